// BuildPlan: validate, join identities, diff each relationship, project the calls.
#include <algorithm>

#include <fmt/format.h>

#include "plan/identity_join.h"
#include "plan/plan.h"

namespace segsync {
namespace plan_internal {
// plan_project.cc
ApiProjection ProjectCalls(const PlanInput& in, const Plan& plan);
}  // namespace plan_internal

namespace {

using plan_internal::kNone;

std::optional<Error> CheckInput(const PlanInput& in) {
  auto bad = [](std::string m) { return Error{ErrorCode::kInvalidInput, std::move(m)}; };
  if (in.profiles.size() > kMaxPlanProfiles)
    return bad(fmt::format("plan: {} profiles, more than the cap of {}", in.profiles.size(),
                           kMaxPlanProfiles));
  if (in.relationships.size() > kMaxPlanRelationships)
    return bad(fmt::format("plan: {} relationships, more than the cap of {}",
                           in.relationships.size(), kMaxPlanRelationships));
  if (in.owned.size() > kMaxPlanOwned)
    return bad(fmt::format("plan: {} relationships with owned tags, more than the cap of {}",
                           in.owned.size(), kMaxPlanOwned));
  const size_t n = in.catalog.size();
  for (const auto& p : in.profiles)
    for (TagIndex t : p.desired)
      if (t >= n) return bad(fmt::format("plan: profile {} wants tag #{}, not in the catalog", p.crm_id, t));
  for (const auto& r : in.relationships)
    for (TagIndex t : r.tags)
      if (t >= n)
        return bad(fmt::format("plan: relationship {}/{} has tag #{}, not in the catalog", r.userid,
                               r.external_userid, t));
  for (const auto& o : in.owned)
    for (TagIndex t : o.tags)
      if (t >= n)
        return bad(fmt::format("plan: owned tag #{} on {}/{} is not in the catalog", t, o.userid,
                               o.external_userid));
  if (const PlanOwnedIndex& oi = in.owned_index; !oi.begin.empty()) {
    if (!in.owned.empty()) return bad("plan: owned tags given both by key and by relationship");
    if (oi.begin.size() != in.relationships.size() + 1 || oi.begin.front() != 0 ||
        oi.begin.back() != oi.tags.size() || !std::is_sorted(oi.begin.begin(), oi.begin.end()))
      return bad(fmt::format("plan: the owned-tag index does not fit the {} relationships",
                             in.relationships.size()));
    for (TagIndex t : oi.tags)
      if (t >= n) return bad(fmt::format("plan: owned tag #{} is not in the catalog", t));
  }
  return std::nullopt;
}

// Owned tags per relationship (CSR): rel r owns tags[begin[r] .. begin[r+1]), ascending.
using OwnedIndex = PlanOwnedIndex;

// Sorts each relationship's tags and drops duplicates, compacting in place.
void NormaliseOwned(OwnedIndex& o) {
  uint32_t w = 0;
  for (size_t r = 0; r + 1 < o.begin.size(); ++r) {
    auto first = o.tags.begin() + o.begin[r], last = o.tags.begin() + o.begin[r + 1];
    std::sort(first, last);
    last = std::unique(first, last);
    o.begin[r] = w;
    for (auto it = first; it != last; ++it) o.tags[w++] = *it;
  }
  o.begin.back() = w;
  o.tags.resize(w);
}

OwnedIndex IndexOwned(const PlanInput& in, const plan_internal::Customers& customers) {
  const auto& rels = in.relationships;
  if (!in.owned_index.begin.empty()) {
    OwnedIndex o = in.owned_index;
    NormaliseOwned(o);
    return o;
  }
  OwnedIndex o;
  o.begin.assign(rels.size() + 1, 0);
  // Find each ledger row's relationship, then bucket the tags by relationship (counting sort:
  // linear, and no (relationship, tag) pair list the size of the ledger).
  std::vector<uint32_t> rel_of(in.owned.size(), kNone);
  for (size_t i = 0; i < in.owned.size(); ++i) {
    const PlanOwned& own = in.owned[i];
    if (own.tags.empty()) continue;
    uint32_t cust = customers.Find(rels, own.external_userid);
    if (cust != kNone) {
      for (uint32_t j = customers.begin[cust]; j < customers.begin[cust + 1]; ++j) {
        if (rels[customers.rels[j]].userid == own.userid) {
          rel_of[i] = customers.rels[j];
          break;
        }
      }
    }
    if (rel_of[i] == kNone) {
      o.unobserved += static_cast<int64_t>(own.tags.size());
      continue;
    }
    o.begin[rel_of[i] + 1] += static_cast<uint32_t>(own.tags.size());
  }
  for (size_t r = 1; r < o.begin.size(); ++r) o.begin[r] += o.begin[r - 1];
  o.tags.resize(o.begin.back());
  std::vector<uint32_t> fill(o.begin.begin(), o.begin.end() - 1);
  for (size_t i = 0; i < in.owned.size(); ++i) {
    if (rel_of[i] == kNone) continue;
    for (TagIndex t : in.owned[i].tags) o.tags[fill[rel_of[i]]++] = t;
  }
  NormaliseOwned(o);
  return o;
}

// Desired tags of a profile: sorted, unique, and at most one per exclusive group (the first
// listed wins).
void DesiredSet(const TagCatalog& cat, const std::vector<TagIndex>& listed,
                std::vector<uint32_t>* seen_groups, std::vector<TagIndex>* out) {
  out->clear();
  seen_groups->clear();
  for (TagIndex t : listed) {
    if (cat.exclusive(t)) {
      uint32_t g = cat.group_of(t);
      if (std::find(seen_groups->begin(), seen_groups->end(), g) != seen_groups->end()) continue;
      seen_groups->push_back(g);
    }
    out->push_back(t);
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

void AddSample(std::vector<std::string>* samples, const std::string& crm_id) {
  if (samples->size() >= kTagStatSamples) return;
  if (std::find(samples->begin(), samples->end(), crm_id) != samples->end()) return;
  samples->push_back(crm_id);
}

}  // namespace

Result<Plan> BuildPlan(const PlanInput& in) {
  if (auto err = CheckInput(in)) return *err;
  using namespace plan_internal;
  const auto& rels = in.relationships;

  Customers customers = GroupCustomers(rels);
  JoinResult join = JoinProfiles(in, customers);
  OwnedIndex owned = IndexOwned(in, customers);

  Plan plan;
  plan.as_of = in.as_of;
  plan.tag_relations = in.tag_relations;
  plan.tags = in.catalog;
  plan.tag_stats.resize(in.catalog.size());
  plan.conflicts = std::move(join.conflict_samples);
  PlanSummary& s = plan.summary;
  s.profiles = static_cast<int64_t>(in.profiles.size());
  s.rows_rejected = in.rows_rejected;
  std::copy(std::begin(join.matched_by), std::end(join.matched_by), s.matched_by);
  s.conflicts = join.conflicts;
  s.ambiguous = join.ambiguous;
  s.customers = static_cast<int64_t>(customers.size());
  s.relations_observed = static_cast<int64_t>(rels.size());
  s.owned_unobserved = owned.unobserved;

  std::vector<TagIndex> desired, present, owned_here, add, remove, none;
  std::vector<uint32_t> groups_scratch;
  std::vector<bool> missing(in.catalog.size(), false);

  // The diff of one relationship; returns the (owned & present) count for managed_tags.
  auto diff = [&](uint32_t r, const std::vector<TagIndex>& want, const PlanProfile* prof) {
    const PlanRelationship& rel = rels[r];
    present.assign(rel.tags.begin(), rel.tags.end());
    std::sort(present.begin(), present.end());
    present.erase(std::unique(present.begin(), present.end()), present.end());
    owned_here.assign(owned.tags.begin() + owned.begin[r], owned.tags.begin() + owned.begin[r + 1]);
    // owned_here := owned and still on WeCom; the rest is stale ledger state.
    size_t owned_total = owned_here.size();
    auto kept = std::set_intersection(owned_here.begin(), owned_here.end(), present.begin(),
                                      present.end(), owned_here.begin());
    owned_here.erase(kept, owned_here.end());
    s.owned_not_on_wecom += static_cast<int64_t>(owned_total - owned_here.size());
    s.managed_tags += static_cast<int64_t>(owned_here.size());
    if (prof == nullptr) {  // no profile claims this customer: keep segsync's tags (plan.h)
      if (!owned_here.empty()) {
        ++s.orphan_relations;
        s.orphan_tags += static_cast<int64_t>(owned_here.size());
      }
      return;
    }
    add.clear();
    remove.clear();
    std::set_difference(want.begin(), want.end(), present.begin(), present.end(),
                        std::back_inserter(add));
    std::set_difference(owned_here.begin(), owned_here.end(), want.begin(), want.end(),
                        std::back_inserter(remove));
    if (add.empty() && remove.empty()) return;
    for (TagIndex t : add) {
      TagStat& st = plan.tag_stats[t];
      ++st.adds;
      AddSample(&st.add_samples, prof->crm_id);
      if (in.catalog.tag_id(t).empty()) missing[t] = true;
    }
    for (TagIndex t : remove) {
      TagStat& st = plan.tag_stats[t];
      ++st.removes;
      AddSample(&st.remove_samples, prof->crm_id);
    }
    s.tags_added += static_cast<int64_t>(add.size());
    s.tags_removed += static_cast<int64_t>(remove.size());
    plan.changes.push_back({prof->crm_id, rel.external_userid, rel.userid, add, remove});
  };

  for (uint32_t p = 0; p < in.profiles.size(); ++p) {
    uint32_t cust = join.customer_of_profile[p];
    if (cust == kNone) {
      ++s.unmatched;
      continue;
    }
    ++s.matched;
    const PlanProfile& prof = in.profiles[p];
    DesiredSet(in.catalog, prof.desired, &groups_scratch, &desired);
    const uint32_t first = customers.begin[cust], last = customers.begin[cust + 1];
    uint32_t selected = kNone;  // kNone with kAll: every relationship is selected
    if (in.tag_relations == TagRelations::kFirstAdded) selected = customers.rels[first];
    if (in.tag_relations == TagRelations::kLatest) {
      // Latest createtime; among equal ones the smaller userid (the earliest in sort order).
      uint32_t best = first;
      for (uint32_t i = first + 1; i < last; ++i)
        if (rels[customers.rels[i]].createtime > rels[customers.rels[best]].createtime) best = i;
      selected = customers.rels[best];
    }
    if (!in.invite_tags.empty()) {
      // The earliest selected relationship: rels are in createtime order (plan/plan.h).
      const PlanRelationship& via = rels[selected == kNone ? customers.rels[first] : selected];
      for (TagIndex t : desired)
        if (std::binary_search(in.invite_tags.begin(), in.invite_tags.end(), t))
          plan.invitees.push_back({prof.crm_id, via.external_userid, via.userid, t});
    }
    for (uint32_t i = first; i < last; ++i) {
      uint32_t r = customers.rels[i];
      bool on = selected == kNone || selected == r;
      if (on) ++s.relations;
      diff(r, on ? desired : none, &prof);
    }
  }
  for (uint32_t cust = 0; cust < customers.size(); ++cust) {
    if (join.profile_of_customer[cust] != kNone) continue;
    for (uint32_t i = customers.begin[cust]; i < customers.begin[cust + 1]; ++i) {
      ++s.relations_unmatched;
      diff(customers.rels[i], none, nullptr);
    }
  }
  s.relations_changed = static_cast<int64_t>(plan.changes.size());
  for (TagIndex t = 0; t < missing.size(); ++t)
    if (missing[t]) plan.missing_tags.push_back(t);
  s.tags_to_create = static_cast<int64_t>(plan.missing_tags.size());

  plan.api = ProjectCalls(in, plan);
  s.api_calls = plan.api.total();
  plan.id = ComputePlanId(plan, in.identity);
  return plan;
}

}  // namespace segsync
