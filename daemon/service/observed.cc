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

std::optional<uint32_t> Observed::TagNumber(const std::string& tag_id) const {
  auto it = tag_numbers.find(tag_id);
  if (it == tag_numbers.end()) return std::nullopt;
  return it->second;
}

}  // namespace segsync
