// get_follow_user_list, list, get, batch/get_by_user and mark_tag (wecom-api.md §4-5).
#include <algorithm>

#include "api_error.h"
#include "cursor.h"
#include "world.h"

namespace segsync::fake {

namespace {

constexpr std::size_t kFollowUserPage = 500;
constexpr std::size_t kMaxBatchUserids = 100;
constexpr std::int64_t kBatchDefaultLimit = 50;
constexpr std::int64_t kBatchMaxLimit = 100;

std::string Required(const std::string& value, std::string_view field) {
  if (value.empty()) throw ApiError{kInvalidParameter, "field `" + std::string(field) + "` is required"};
  return value;
}

json::object GetFollowUserList(World& w, const Call&) {
  json::array out;
  for (const auto& m : w.customers.members()) out.emplace_back(m);
  return {{"follow_user", std::move(out)}};
}

json::object List(World& w, const Call& c) {
  std::string userid = Required(c.Query("userid"), "userid");
  if (!w.customers.HasMember(userid)) throw ApiError{kNoSuchUser, userid};
  json::array out;
  const auto& sorted = w.customers.sorted();
  for (auto it = sorted.lower_bound(RelKey{userid, ""}); it != sorted.end() && it->first == userid; ++it)
    out.emplace_back(it->second);
  if (out.empty()) throw ApiError{kNotExternalContact, "member " + userid + " has no customers"};
  return {{"external_userid", std::move(out)}};
}

json::array TagsWithNames(const World& w, const Relationship& r) {
  json::array tags;
  for (const auto& id : r.tag_ids) {
    const TagGroup* g = nullptr;
    const Tag* t = w.tags.FindLiveTag(id, &g);
    if (!t) continue;
    tags.push_back({{"group_name", g->name}, {"tag_name", t->name}, {"type", 1}, {"tag_id", t->id}});
  }
  return tags;
}

json::object FollowCommon(const Relationship& r, const json::storage_ptr& sp) {
  json::object o({{"userid", r.userid},           {"remark", r.remark},
                  {"description", r.description}, {"createtime", r.createtime},
                  {"remark_corp_name", ""},       {"remark_mobiles", ToJsonArray(r.remark_mobiles, sp)},
                  {"add_way", r.add_way},         {"oper_userid", r.oper_userid}},
                 sp);
  if (!r.state.empty()) o["state"] = r.state;
  return o;
}

json::object Get(World& w, const Call& c) {
  std::string ext = Required(c.Query("external_userid"), "external_userid");
  const Customer* customer = w.customers.FindCustomer(ext);
  if (!customer) throw ApiError{kInvalidExternalUserid, ext};
  auto rels = w.customers.OfCustomer(ext);
  if (rels.empty()) throw ApiError{kNotExternalContact, ext + " has no follow user"};
  std::size_t start = 0;
  if (std::string cursor = c.Query("cursor"); !cursor.empty()) start = DecodeOffsetCursor(cursor);
  if (start > rels.size()) throw ApiError{kInvalidParameter, "invalid cursor"};
  std::size_t end = std::min(rels.size(), start + kFollowUserPage);
  json::array follow;
  for (std::size_t i = start; i < end; ++i) {
    json::object f = FollowCommon(*rels[i], c.storage);
    f["tags"] = TagsWithNames(w, *rels[i]);
    follow.push_back(std::move(f));
  }
  json::object out{{"external_contact", w.customers.ExternalContactJson(*customer)},
                   {"follow_user", std::move(follow)}};
  out["next_cursor"] = end < rels.size() ? EncodeOffsetCursor(end) : "";
  return out;
}

json::object BatchGetByUser(World& w, const Call& c) {
  std::vector<std::string> userids = GetStringList(c.body, "userid_list");
  if (userids.empty()) throw ApiError{kInvalidParameter, "field `userid_list` is required"};
  if (userids.size() > kMaxBatchUserids) throw ApiError{kInvalidParameter, "userid_list holds more than 100 userids"};
  std::sort(userids.begin(), userids.end());
  userids.erase(std::unique(userids.begin(), userids.end()), userids.end());
  for (const auto& u : userids)
    if (!w.customers.HasMember(u)) throw ApiError{kNoSuchUser, u};
  std::int64_t limit = GetInt(c.body, "limit", kBatchDefaultLimit);
  if (limit <= 0) limit = kBatchDefaultLimit;
  limit = std::min(limit, kBatchMaxLimit);
  RelKey from{"", ""};
  if (std::string cursor = GetString(c.body, "cursor"); !cursor.empty()) from = DecodeKeyCursor(cursor);

  json::array rows(c.storage);
  rows.reserve(static_cast<std::size_t>(limit));
  std::string next;
  const auto& sorted = w.customers.sorted();
  for (const auto& u : userids) {
    if (u < from.first) continue;
    auto it = sorted.lower_bound(u == from.first ? from : RelKey{u, ""});
    for (; it != sorted.end() && it->first == u; ++it) {
      if (static_cast<std::int64_t>(rows.size()) == limit) {
        next = EncodeKeyCursor(*it);
        break;
      }
      const Relationship& r = w.customers.at(*it);
      const Customer* customer = w.customers.FindCustomer(r.external_userid);
      json::object follow = FollowCommon(r, c.storage);
      follow["tag_id"] = ToJsonArray(r.tag_ids, c.storage);
      json::object row(c.storage);
      row.reserve(2);
      row.emplace("external_contact", w.customers.ExternalContactJson(*customer, c.storage));
      row.emplace("follow_info", std::move(follow));
      rows.push_back(std::move(row));
    }
    if (!next.empty()) break;
  }
  json::object out(c.storage);
  out.emplace("external_contact_list", std::move(rows));
  out.emplace("next_cursor", next);
  return out;
}

json::object MarkTag(World& w, const Call& c) {
  std::string userid = Required(GetString(c.body, "userid"), "userid");
  std::string ext = Required(GetString(c.body, "external_userid"), "external_userid");
  std::vector<std::string> add = GetStringList(c.body, "add_tag");
  std::vector<std::string> remove = GetStringList(c.body, "remove_tag");
  if (add.empty() && remove.empty()) throw ApiError{kInvalidParameter, "add_tag and remove_tag are both empty"};
  if (!w.customers.FindCustomer(ext)) throw ApiError{kInvalidExternalUserid, ext};
  if (!w.customers.HasMember(userid)) throw ApiError{kNoSuchUser, userid};
  Relationship* r = w.customers.Find(userid, ext);
  if (!r) throw ApiError{kNotExternalContact, userid + " has no relationship with " + ext};
  for (const auto* list : {&add, &remove})
    for (const auto& id : *list)
      if (!w.tags.FindLiveTag(id)) throw ApiError{kInvalidTagId, id};
  // Adding a present tag or removing an absent one is a successful no-op.
  for (const auto& id : add)
    if (std::find(r->tag_ids.begin(), r->tag_ids.end(), id) == r->tag_ids.end()) r->tag_ids.push_back(id);
  for (const auto& id : remove) std::erase(r->tag_ids, id);
  return {};
}

}  // namespace

void AddCustomerRoutes(Routes& routes) {
  routes["get_follow_user_list"] = GetFollowUserList;
  routes["list"] = List;
  routes["get"] = Get;
  routes["batch/get_by_user"] = BatchGetByUser;
  routes["mark_tag"] = MarkTag;
}

}  // namespace segsync::fake
