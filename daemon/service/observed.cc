#include <algorithm>

#include "service/sync_internal.h"

namespace segsync {

PlanRelationship Observed::Take(wecom::Relationship& r) {
  PlanRelationship p;
  p.userid = std::move(r.userid);
  p.external_userid = std::move(r.external_userid);
  p.unionid = std::move(r.unionid);
  p.state = std::move(r.state);
  p.remark_mobiles = std::move(r.remark_mobiles);
  p.createtime = r.createtime;
  p.tags.reserve(r.tag_ids.size());
  for (auto& id : r.tag_ids) {
    auto [it, inserted] = tag_numbers.try_emplace(id, static_cast<uint32_t>(tag_ids.size()));
    if (inserted) tag_ids.push_back(std::move(id));
    p.tags.push_back(it->second);
  }
  return p;
}

void Observed::AddPage(size_t group, std::vector<wecom::Relationship>& page) {
  pages.push_back({group, relationships.size(), page.size()});
  for (auto& r : page) relationships.push_back(Take(r));
}

void Observed::PutInGroupOrder() {
  std::stable_sort(pages.begin(), pages.end(), [](const PageSpan& a, const PageSpan& b) { return a.group < b.group; });
  // from[i]: where the relationship that belongs at i is now.
  std::vector<uint32_t> from;
  from.reserve(relationships.size());
  for (const auto& p : pages)
    for (size_t k = 0; k < p.size; ++k) from.push_back(static_cast<uint32_t>(p.begin + k));
  pages = {};
  // Each cycle of the permutation once, moving one element at a time (no second copy).
  auto& v = relationships;
  for (uint32_t i = 0; i < from.size(); ++i) {
    if (from[i] == i) continue;  // in place, or already moved
    PlanRelationship held = std::move(v[i]);
    uint32_t j = i;
    while (from[j] != i) {
      uint32_t k = from[j];
      v[j] = std::move(v[k]);
      from[j] = j;
      j = k;
    }
    v[j] = std::move(held);
    from[j] = j;
  }
}

std::optional<uint32_t> Observed::TagNumber(const std::string& tag_id) const {
  auto it = tag_numbers.find(tag_id);
  if (it == tag_numbers.end()) return std::nullopt;
  return it->second;
}

}  // namespace segsync
