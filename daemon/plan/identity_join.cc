#include "plan/identity_join.h"

#include <algorithm>
#include <string>

#include "mapper/mapper.h"

namespace segsync {

namespace plan_internal {

uint32_t Customers::Find(const std::vector<PlanRelationship>& all,
                         std::string_view external_userid) const {
  return by_external_userid.Find(HashKey(external_userid), [&](uint32_t ref) {
    return all[ref].external_userid == external_userid;
  });
}

Customers GroupCustomers(const std::vector<PlanRelationship>& rels) {
  Customers c;
  c.by_external_userid = FlatIndex(rels.size());
  c.customer_of_rel.resize(rels.size());
  uint32_t next = 0;
  for (uint32_t r = 0; r < rels.size(); ++r) {
    const std::string& ext = rels[r].external_userid;
    auto [value, inserted] = c.by_external_userid.FindOrInsert(
        HashKey(ext), r, [&](uint32_t ref) { return rels[ref].external_userid == ext; });
    if (inserted) *value = next++;
    c.customer_of_rel[r] = *value;
  }
  // Counting sort by customer, then order each customer's few relationships.
  c.begin.assign(next + 1, 0);
  for (uint32_t cust : c.customer_of_rel) ++c.begin[cust + 1];
  for (size_t i = 1; i < c.begin.size(); ++i) c.begin[i] += c.begin[i - 1];
  c.rels.resize(rels.size());
  std::vector<uint32_t> fill(c.begin.begin(), c.begin.end() - 1);
  for (uint32_t r = 0; r < rels.size(); ++r) c.rels[fill[c.customer_of_rel[r]]++] = r;
  for (uint32_t cust = 0; cust < next; ++cust) {
    auto first = c.rels.begin() + c.begin[cust];
    auto last = c.rels.begin() + c.begin[cust + 1];
    if (last - first < 2) continue;
    std::sort(first, last, [&](uint32_t a, uint32_t b) {
      if (rels[a].createtime != rels[b].createtime) return rels[a].createtime < rels[b].createtime;
      if (rels[a].userid != rels[b].userid) return rels[a].userid < rels[b].userid;
      return a < b;
    });
  }
  return c;
}

namespace {

// A key -> customer index over borrowed key strings. A key seen on two different customers
// maps to kAmbiguous.
class KeyIndex {
 public:
  explicit KeyIndex(std::vector<std::string_view> keys, std::vector<uint32_t> customers)
      : keys_(std::move(keys)), index_(keys_.size()) {
    for (uint32_t i = 0; i < keys_.size(); ++i) {
      auto [value, inserted] =
          index_.FindOrInsert(HashKey(keys_[i]), i, [&](uint32_t ref) { return keys_[ref] == keys_[i]; });
      if (inserted) {
        *value = customers[i];
      } else if (*value != customers[i]) {
        *value = kAmbiguous;
      }
    }
  }
  uint32_t Find(std::string_view key) const {
    return index_.Find(HashKey(key), [&](uint32_t ref) { return keys_[ref] == key; });
  }

 private:
  std::vector<std::string_view> keys_;
  FlatIndex index_;
};

}  // namespace

JoinResult JoinProfiles(const PlanInput& in, const Customers& customers) {
  const auto& rels = in.relationships;
  bool want[3] = {false, false, false};
  for (IdentityKind k : in.identity) want[static_cast<int>(k)] = true;

  // Build only the indexes the mapping uses. Mobile keys are normalised into `mobiles`,
  // which must not reallocate after views into it are taken.
  std::vector<std::string> mobiles;
  std::vector<std::string_view> keys[3];
  std::vector<uint32_t> owners[3];
  if (want[2]) {
    size_t n = 0;
    for (const auto& r : rels) n += r.remark_mobiles.size();
    mobiles.reserve(n);
  }
  for (uint32_t r = 0; r < rels.size(); ++r) {
    uint32_t cust = customers.customer_of_rel[r];
    if (want[0] && !rels[r].unionid.empty()) {
      keys[0].push_back(rels[r].unionid);
      owners[0].push_back(cust);
    }
    if (want[1] && !rels[r].state.empty()) {
      keys[1].push_back(rels[r].state);
      owners[1].push_back(cust);
    }
    if (want[2]) {
      for (const auto& m : rels[r].remark_mobiles) {
        std::string norm = NormalizeMobile(m);
        if (norm.empty()) continue;
        mobiles.push_back(std::move(norm));
        keys[2].push_back(mobiles.back());
        owners[2].push_back(cust);
      }
    }
  }
  KeyIndex index[3] = {KeyIndex(std::move(keys[0]), std::move(owners[0])),
                       KeyIndex(std::move(keys[1]), std::move(owners[1])),
                       KeyIndex(std::move(keys[2]), std::move(owners[2]))};

  JoinResult j;
  j.customer_of_profile.assign(in.profiles.size(), kNone);
  j.profile_of_customer.assign(customers.size(), kNone);
  std::string mobile;
  for (uint32_t p = 0; p < in.profiles.size(); ++p) {
    const PlanProfile& prof = in.profiles[p];
    bool ambiguous = false;
    for (IdentityKind k : in.identity) {
      std::string_view key;
      if (k == IdentityKind::kUnionId) {
        key = prof.unionid;
      } else if (k == IdentityKind::kState) {
        key = prof.state;
      } else {
        NormalizeMobileInto(prof.mobile, &mobile);
        key = mobile;
      }
      if (key.empty()) continue;
      uint32_t cust = index[static_cast<int>(k)].Find(key);
      if (cust == kNone) continue;
      if (cust == kAmbiguous) {
        ambiguous = true;
        continue;
      }
      uint32_t& owner = j.profile_of_customer[cust];
      if (owner == kNone) {
        owner = p;
        j.customer_of_profile[p] = cust;
        ++j.matched_by[static_cast<int>(k)];
      } else {
        ++j.conflicts;
        if (j.conflict_samples.size() < kMaxConflictSamples) {
          j.conflict_samples.push_back({prof.crm_id, in.profiles[owner].crm_id,
                                        rels[customers.rels[customers.begin[cust]]].external_userid});
        }
      }
      break;
    }
    if (ambiguous) ++j.ambiguous;
  }
  return j;
}

}  // namespace plan_internal
}  // namespace segsync
