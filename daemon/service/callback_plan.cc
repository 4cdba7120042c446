#include "service/callback_plan.h"

#include <unordered_set>

#include "mapper/mapper.h"

namespace segsync {

std::vector<wecom::Relationship> RelationshipsOf(const wecom::ExternalContactDetail& detail,
                                                 const std::string& userid, const std::string& state_hint) {
  std::vector<wecom::Relationship> out;
  for (const auto& fu : detail.follow_users) {
    wecom::Relationship r;
    r.userid = fu.userid;
    r.external_userid = detail.contact.external_userid;
    r.unionid = detail.contact.unionid;
    r.state = fu.state.empty() && fu.userid == userid ? state_hint : fu.state;
    r.remark_mobiles = fu.remark_mobiles;
    r.createtime = fu.createtime;
    for (const auto& t : fu.tags)
      if (t.type != 2 && !t.tag_id.empty()) r.tag_ids.push_back(t.tag_id);
    out.push_back(std::move(r));
  }
  return out;
}

CatalogWithIds SetLibraryIds(const TagCatalog& rules_catalog, size_t rule_tags,
                             const std::vector<wecom::TagGroup>& library, const std::vector<TagRecord>& ours) {
  CatalogWithIds out{rules_catalog, {}};
  TagCatalog& catalog = out.catalog;
  std::map<std::string, std::string> by_name;
  std::unordered_set<std::string> ids;
  for (const auto& g : library) {
    if (g.deleted) continue;
    out.group_ids[g.name] = g.group_id;
    for (const auto& t : g.tags) {
      if (t.deleted) continue;
      by_name[g.name + '\x1f' + t.name] = t.id;
      ids.insert(t.id);
    }
  }
  for (const auto& t : ours) {
    // A tag gone from WeCom is the scheduled run's to forget (it sees the whole library).
    if (!ids.count(t.tag_id)) continue;
    auto idx = catalog.Find(t.group_name, t.tag_name);
    catalog.SetTagId(idx ? *idx : catalog.AddTag(t.group_name, t.tag_name), t.tag_id);
  }
  for (TagIndex ti = 0; ti < rule_tags && ti < catalog.size(); ++ti) {
    if (!catalog.tag_id(ti).empty()) continue;
    auto it = by_name.find(catalog.group_name(ti) + '\x1f' + catalog.tag_name(ti));
    if (it != by_name.end()) catalog.SetTagId(ti, it->second);
  }
  return out;
}

PlanInput CustomerPlanInput(const Workspace& ws, const std::vector<PlanProfile>& profiles,
                            const std::vector<wecom::Relationship>& rels, const TagCatalog& catalog,
                            const std::vector<RelationshipRecord>& ledger_rels, const OwnedTags& owned,
                            std::string as_of) {
  PlanInput pin;
  pin.as_of = std::move(as_of);
  pin.identity.clear();
  for (const auto& k : ws.mapping.identity) pin.identity.push_back(k.kind);
  pin.tag_relations = ws.config.wecom.tag_relations;
  pin.catalog = catalog;
  std::unordered_set<std::string> unionids, states, mobiles, customers;
  for (const auto& r : rels) {
    PlanRelationship pr{r.userid, r.external_userid, r.unionid, r.state, r.remark_mobiles, r.createtime, {}};
    for (const auto& tid : r.tag_ids)
      if (auto t = catalog.FindById(tid)) pr.tags.push_back(*t);
    if (!r.unionid.empty()) unionids.insert(r.unionid);
    if (!r.state.empty()) states.insert(r.state);
    for (const auto& m : r.remark_mobiles)
      if (auto n = NormalizeMobile(m); !n.empty()) mobiles.insert(n);
    customers.insert(r.external_userid);
    pin.relationships.push_back(std::move(pr));
    pin.members.push_back(r.userid);
  }
  for (const auto& p : profiles) {
    bool hit = (!p.unionid.empty() && unionids.count(p.unionid)) || (!p.state.empty() && states.count(p.state)) ||
               (!p.mobile.empty() && !mobiles.empty() && mobiles.count(NormalizeMobile(p.mobile)));
    if (hit) pin.profiles.push_back(p);
  }
  for (const auto& r : ledger_rels) {
    if (r.gone || !customers.count(r.external_userid)) continue;
    PlanOwned po{r.userid, r.external_userid, {}};
    for (uint32_t k : owned.TagsOf(r.id))
      if (auto ti = catalog.FindById(owned.tag_ids[k])) po.tags.push_back(*ti);
    if (!po.tags.empty()) pin.owned.push_back(std::move(po));
  }
  return pin;
}

}  // namespace segsync
