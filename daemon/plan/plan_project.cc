// The projected WeCom calls of a plan, and its id.
#include <algorithm>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "plan/flat_index.h"
#include "plan/plan.h"

namespace segsync {
namespace plan_internal {

ApiProjection ProjectCalls(const PlanInput& in, const Plan& plan) {
  ApiProjection api;
  // Relationships per member; the read walks the members in batches of 100 userids and pages
  // through each batch 100 rows at a time (an empty batch still costs one call).
  std::unordered_map<std::string_view, int64_t> per_member;
  std::vector<std::string_view> order;
  for (const auto& m : in.members) {
    if (per_member.try_emplace(m, 0).second) order.push_back(m);
  }
  std::vector<std::string_view> extra;
  for (const auto& r : in.relationships) {
    auto [it, inserted] = per_member.try_emplace(r.userid, 0);
    if (inserted) extra.push_back(r.userid);
    ++it->second;
  }
  std::sort(extra.begin(), extra.end());
  order.insert(order.end(), extra.begin(), extra.end());
  for (size_t i = 0; i < order.size(); i += kBatchGetUsersPerCall) {
    int64_t rows = 0;
    for (size_t j = i; j < std::min(order.size(), i + kBatchGetUsersPerCall); ++j)
      rows += per_member[order[j]];
    api.batch_pages += std::max<int64_t>(1, (rows + kBatchGetRowsPerPage - 1) / kBatchGetRowsPerPage);
  }

  std::vector<bool> group_needs(plan.tags.group_count(), false);
  for (TagIndex t : plan.missing_tags) group_needs[plan.tags.group_of(t)] = true;
  api.tag_creations = std::count(group_needs.begin(), group_needs.end(), true);

  for (const PlanChange& c : plan.changes) {
    int64_t adds = static_cast<int64_t>(c.add.size()), removes = static_cast<int64_t>(c.remove.size());
    api.mark_tag += std::max<int64_t>(
        1, std::max((adds + kMarkTagMaxIds - 1) / kMarkTagMaxIds, (removes + kMarkTagMaxIds - 1) / kMarkTagMaxIds));
  }

  auto rate = [&](double r) { return r > 0 ? r : (in.rates.default_per_minute > 0 ? in.rates.default_per_minute : 600.0); };
  double minutes = static_cast<double>(api.follow_user_list + api.tag_list + api.tag_creations) /
                       rate(in.rates.default_per_minute) +
                   static_cast<double>(api.batch_pages) / rate(in.rates.get_by_user_per_minute) +
                   static_cast<double>(api.mark_tag) / rate(in.rates.mark_tag_per_minute);
  api.seconds = minutes * 60.0;
  return api;
}

}  // namespace plan_internal

namespace {

class Digest {
 public:
  void Add(std::string_view s) {
    h_ = plan_internal::HashBytes(s, h_);
    h_ = plan_internal::HashBytes(std::string_view("\0", 1), h_);  // field separator
  }
  void Add(int64_t v) { Add(std::string_view(fmt::format("{}", v))); }
  uint64_t value() const { return plan_internal::Mix(h_); }

 private:
  uint64_t h_ = 1469598103934665603ull;
};

}  // namespace

std::string ComputePlanId(const Plan& plan, const std::vector<IdentityKind>& identity) {
  Digest d;
  d.Add("segsync-plan-v1");
  for (IdentityKind k : identity) d.Add(IdentityKindName(k));
  d.Add(TagRelationsName(plan.tag_relations));
  const PlanSummary& s = plan.summary;
  for (int64_t v : {s.profiles, s.rows_rejected, s.matched, s.unmatched, s.relations, s.managed_tags})
    d.Add(v);
  for (const PlanChange& c : plan.changes) {
    d.Add(c.crm_id);
    d.Add(c.external_userid);
    d.Add(c.userid);
    for (TagIndex t : c.add) d.Add("+" + plan.tags.Key(t));
    for (TagIndex t : c.remove) d.Add("-" + plan.tags.Key(t));
  }
  return fmt::format("{:016x}", d.value());
}

}  // namespace segsync
