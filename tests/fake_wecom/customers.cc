#include "customers.h"

#include <algorithm>
#include <stdexcept>

#include "api_error.h"

namespace segsync::fake {

Customer& CustomerStore::UpsertCustomer(const std::string& external_userid) {
  auto [it, fresh] = customers_.try_emplace(external_userid);
  if (fresh) it->second.external_userid = external_userid;
  return it->second;
}

const Customer* CustomerStore::FindCustomer(const std::string& external_userid) const {
  auto it = customers_.find(external_userid);
  return it == customers_.end() ? nullptr : &it->second;
}

Relationship* CustomerStore::Find(const std::string& userid, const std::string& external_userid) {
  auto it = rels_.find(RelKey{userid, external_userid});
  return it == rels_.end() ? nullptr : &it->second;
}

Relationship& CustomerStore::Put(Relationship r) {
  AddMember(r.userid);
  UpsertCustomer(r.external_userid);
  RelKey key{r.userid, r.external_userid};
  sorted_.insert(key);
  by_customer_[r.external_userid].insert(r.userid);
  Relationship& slot = rels_[key];
  slot = std::move(r);
  return slot;
}

bool CustomerStore::Erase(const std::string& userid, const std::string& external_userid) {
  RelKey key{userid, external_userid};
  if (!rels_.erase(key)) return false;
  sorted_.erase(key);
  auto it = by_customer_.find(external_userid);
  if (it != by_customer_.end()) {
    it->second.erase(userid);
    if (it->second.empty()) by_customer_.erase(it);
  }
  return true;
}

void CustomerStore::RemoveTagsEverywhere(const std::vector<std::string>& tag_ids) {
  if (tag_ids.empty()) return;
  std::set<std::string> gone(tag_ids.begin(), tag_ids.end());
  for (auto& [key, r] : rels_)
    std::erase_if(r.tag_ids, [&](const std::string& t) { return gone.count(t) > 0; });
}

std::vector<const Relationship*> CustomerStore::OfCustomer(const std::string& external_userid) const {
  std::vector<const Relationship*> out;
  auto it = by_customer_.find(external_userid);
  if (it == by_customer_.end()) return out;
  for (const auto& userid : it->second) out.push_back(&rels_.at(RelKey{userid, external_userid}));
  std::stable_sort(out.begin(), out.end(),
                   [](const Relationship* a, const Relationship* b) { return a->createtime < b->createtime; });
  return out;
}

json::object CustomerStore::ExternalContactJson(const Customer& c, json::storage_ptr sp) const {
  json::object o({{"external_userid", c.external_userid}, {"name", c.name}, {"type", c.type},
                  {"avatar", "http://wx.qlogo.cn/mmhead/fake/0"}, {"gender", c.gender}},
                 std::move(sp));
  if (!c.unionid.empty()) o["unionid"] = c.unionid;
  return o;
}

json::array CustomerStore::RelationshipsState() const {
  json::array out;
  for (const auto& key : sorted_) {
    const Relationship& r = rels_.at(key);
    const Customer* c = FindCustomer(r.external_userid);
    out.push_back({{"userid", r.userid}, {"external_userid", r.external_userid},
                   {"unionid", c ? c->unionid : ""}, {"state", r.state},
                   {"remark_mobiles", ToJsonArray(r.remark_mobiles)}, {"createtime", r.createtime},
                   {"add_way", r.add_way}, {"oper_userid", r.oper_userid}, {"remark", r.remark},
                   {"description", r.description}, {"tag_ids", ToJsonArray(r.tag_ids)}});
  }
  return out;
}

json::array CustomerStore::MembersState() const {
  json::array out;
  for (const auto& m : members_) out.emplace_back(m);
  return out;
}

json::array CustomerStore::CustomersState() const {
  std::vector<const Customer*> all;
  for (const auto& [id, c] : customers_) all.push_back(&c);
  std::sort(all.begin(), all.end(),
            [](const Customer* a, const Customer* b) { return a->external_userid < b->external_userid; });
  json::array out;
  for (const Customer* c : all)
    out.push_back({{"external_userid", c->external_userid}, {"name", c->name}, {"unionid", c->unionid},
                   {"type", c->type}, {"gender", c->gender}});
  return out;
}

void CustomerStore::LoadState(const json::array& relationships, const json::array* members,
                              const json::array* customers) {
  if (members)
    for (const auto& m : *members) AddMember(std::string(m.as_string()));
  if (customers) {
    for (const auto& v : *customers) {
      const auto& o = v.as_object();
      Customer& c = UpsertCustomer(GetString(o, "external_userid"));
      c.name = GetString(o, "name");
      c.unionid = GetString(o, "unionid");
      c.type = static_cast<int>(GetInt(o, "type", 1));
      c.gender = static_cast<int>(GetInt(o, "gender", 0));
    }
  }
  for (const auto& v : relationships) {
    const auto& o = v.as_object();
    Relationship r;
    r.userid = GetString(o, "userid");
    r.external_userid = GetString(o, "external_userid");
    if (r.userid.empty() || r.external_userid.empty())
      throw std::runtime_error("a relationship needs userid and external_userid");
    r.state = GetString(o, "state");
    r.remark_mobiles = GetStringList(o, "remark_mobiles");
    r.createtime = GetInt(o, "createtime", 0);
    r.add_way = static_cast<int>(GetInt(o, "add_way", 0));
    r.oper_userid = GetString(o, "oper_userid", r.userid);
    r.remark = GetString(o, "remark");
    r.description = GetString(o, "description");
    r.tag_ids = GetStringList(o, "tag_ids");
    std::string unionid = GetString(o, "unionid");
    Relationship& put = Put(std::move(r));
    if (!unionid.empty()) UpsertCustomer(put.external_userid).unionid = unionid;
  }
}

}  // namespace segsync::fake
