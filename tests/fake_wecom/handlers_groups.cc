// groupchat/list, groupchat/get, add/get/update/del_join_way, add/get/update/del_contact_way
// (wecom-api.md §6). An unknown chat_id is 40050; an unknown config_id is 40058.
#include <algorithm>

#include "api_error.h"
#include "cursor.h"
#include "world.h"

namespace segsync::fake {

namespace {

constexpr std::size_t kMaxStateChars = 30;
constexpr std::size_t kMaxJoinWayChats = 5;

[[noreturn]] void Param(const std::string& why) { throw ApiError{kInvalidParameter, why}; }

std::string QrCode(const std::string& config_id) { return "https://wework.qpic.cn/wwpic/fake/" + config_id + "/0"; }

json::object GroupchatList(World& w, const Call& c) {
  if (!Has(c.body, "limit")) Param("field `limit` is required");
  std::int64_t limit = GetInt(c.body, "limit", 0);
  if (limit < 1 || limit > 1000) Param("limit must be 1..1000");
  std::vector<std::string> owners;
  if (const json::object* filter = GetObject(c.body, "owner_filter")) owners = GetStringList(*filter, "userid_list");
  if (owners.size() > 100) Param("owner_filter.userid_list holds more than 100 userids");
  if (owners.empty() && w.large_corp)
    throw ApiError{kOwnerFilterRequired, "more than 1000 members in the visible range"};
  std::int64_t status = GetInt(c.body, "status_filter", 0);
  std::string from;
  if (std::string cursor = GetString(c.body, "cursor"); !cursor.empty()) from = DecodeKeyCursor(cursor).first;
  json::array out;
  std::string next;
  for (auto it = w.groups.chats.lower_bound(from); it != w.groups.chats.end(); ++it) {
    const GroupChat& g = it->second;
    if (status != 0 && g.status != status) continue;
    if (!owners.empty() && std::find(owners.begin(), owners.end(), g.owner) == owners.end()) continue;
    if (static_cast<std::int64_t>(out.size()) == limit) {
      next = EncodeKeyCursor({g.chat_id, ""});
      break;
    }
    out.push_back({{"chat_id", g.chat_id}, {"status", g.status}});
  }
  return {{"group_chat_list", std::move(out)}, {"next_cursor", next}};
}

json::object GroupchatGet(World& w, const Call& c) {
  std::string chat_id = GetString(c.body, "chat_id");
  if (chat_id.empty()) Param("field `chat_id` is required");
  auto it = w.groups.chats.find(chat_id);
  if (it == w.groups.chats.end()) throw ApiError{kInvalidChatId, chat_id};
  return {{"group_chat", GroupStore::ChatJson(it->second, GetInt(c.body, "need_name", 0) == 1)}};
}

std::string CheckedState(const json::object& body) {
  std::string state = GetString(body, "state");
  if (Utf8Length(state) > kMaxStateChars) Param("state longer than 30 characters");
  return state;
}

std::string Truncated(std::string s, std::size_t chars) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && n++ == chars) return s.substr(0, i);
  return s;
}

JoinWay JoinWayFromBody(World& w, const json::object& body) {
  JoinWay j;
  j.scene = static_cast<int>(GetInt(body, "scene", 0));
  if (j.scene != 1 && j.scene != 2) Param("scene must be 1 or 2");
  j.chat_id_list = GetStringList(body, "chat_id_list");
  if (j.chat_id_list.empty() || j.chat_id_list.size() > kMaxJoinWayChats) Param("chat_id_list must hold 1..5 chats");
  for (const auto& id : j.chat_id_list)
    if (!w.groups.chats.count(id)) throw ApiError{kInvalidChatId, id};
  j.remark = Truncated(GetString(body, "remark"), 30);
  j.auto_create_room = static_cast<int>(GetInt(body, "auto_create_room", 1));
  j.room_base_name = GetString(body, "room_base_name");
  if (Utf8Length(j.room_base_name) > 40) Param("room_base_name longer than 40 characters");
  j.room_base_id = GetInt(body, "room_base_id", 0);
  j.state = CheckedState(body);
  return j;
}

JoinWay& FindJoinWay(World& w, const json::object& body) {
  std::string id = GetString(body, "config_id");
  auto it = w.groups.join_ways.find(id);
  if (id.empty() || it == w.groups.join_ways.end()) Param("invalid config_id");
  return it->second;
}

json::object AddJoinWay(World& w, const Call& c) {
  JoinWay j = JoinWayFromBody(w, c.body);
  j.config_id = w.ids.Hex("", 32);
  if (j.scene == 2) j.qr_code = QrCode(j.config_id);
  std::string id = j.config_id;
  w.groups.join_ways[id] = std::move(j);
  return {{"config_id", id}};
}

json::object GetJoinWay(World& w, const Call& c) {
  return {{"join_way", GroupStore::JoinWayJson(FindJoinWay(w, c.body))}};
}

json::object UpdateJoinWay(World& w, const Call& c) {
  JoinWay& old = FindJoinWay(w, c.body);
  JoinWay j = JoinWayFromBody(w, c.body);  // the whole config is overwritten
  j.config_id = old.config_id;
  j.qr_code = j.scene == 2 ? QrCode(j.config_id) : "";
  old = std::move(j);
  return {};
}

json::object DelJoinWay(World& w, const Call& c) {
  w.groups.join_ways.erase(FindJoinWay(w, c.body).config_id);
  return {};
}

void FillContactWay(World& w, const json::object& body, ContactWay& way) {
  if (Has(body, "remark")) {
    way.remark = GetString(body, "remark");
    if (Utf8Length(way.remark) > 30) Param("remark longer than 30 characters");
  }
  if (Has(body, "state")) way.state = CheckedState(body);
  way.style = static_cast<int>(GetInt(body, "style", way.style));
  way.skip_verify = GetBool(body, "skip_verify", way.skip_verify);
  way.is_temp = GetBool(body, "is_temp", way.is_temp);
  way.expires_in = GetInt(body, "expires_in", way.expires_in);
  way.chat_expires_in = GetInt(body, "chat_expires_in", way.chat_expires_in);
  if (Has(body, "user")) way.user = GetStringList(body, "user");
  if (const json::array* party = GetArray(body, "party")) {
    way.party.clear();
    for (const auto& p : *party) {
      if (!p.is_int64()) Param("party must hold integers");
      way.party.push_back(p.get_int64());
    }
  }
  if (way.type == 1 && way.user.size() != 1) Param("type 1 needs exactly one user");
  if (way.type == 2 && way.user.empty() && way.party.empty()) Param("type 2 needs user or party");
  if (way.user.size() > 100) Param("at most 100 users");
  for (const auto& u : way.user)
    if (!w.customers.HasMember(u)) throw ApiError{kNoSuchUser, u};
}

ContactWay& FindContactWay(World& w, const json::object& body) {
  std::string id = GetString(body, "config_id");
  auto it = w.groups.contact_ways.find(id);
  if (id.empty() || it == w.groups.contact_ways.end()) Param("invalid config_id");
  return it->second;
}

json::object AddContactWay(World& w, const Call& c) {
  ContactWay way;
  way.type = static_cast<int>(GetInt(c.body, "type", 0));
  way.scene = static_cast<int>(GetInt(c.body, "scene", 0));
  if (way.type != 1 && way.type != 2) Param("type must be 1 or 2");
  if (way.scene != 1 && way.scene != 2) Param("scene must be 1 or 2");
  FillContactWay(w, c.body, way);
  way.config_id = w.ids.Hex("", 32);
  if (way.scene == 2) way.qr_code = QrCode(way.config_id);
  json::object out{{"config_id", way.config_id}};
  if (!way.qr_code.empty()) out["qr_code"] = way.qr_code;
  w.groups.contact_ways[way.config_id] = std::move(way);
  return out;
}

json::object GetContactWay(World& w, const Call& c) {
  return {{"contact_way", GroupStore::ContactWayJson(FindContactWay(w, c.body))}};
}

json::object UpdateContactWay(World& w, const Call& c) {
  ContactWay& way = FindContactWay(w, c.body);
  ContactWay copy = way;  // validate on a copy: a rejected update changes nothing
  FillContactWay(w, c.body, copy);
  way = std::move(copy);
  return {};
}

json::object DelContactWay(World& w, const Call& c) {
  w.groups.contact_ways.erase(FindContactWay(w, c.body).config_id);
  return {};
}

}  // namespace

void AddGroupRoutes(Routes& routes) {
  routes["groupchat/list"] = GroupchatList;
  routes["groupchat/get"] = GroupchatGet;
  routes["groupchat/add_join_way"] = AddJoinWay;
  routes["groupchat/get_join_way"] = GetJoinWay;
  routes["groupchat/update_join_way"] = UpdateJoinWay;
  routes["groupchat/del_join_way"] = DelJoinWay;
  routes["add_contact_way"] = AddContactWay;
  routes["get_contact_way"] = GetContactWay;
  routes["update_contact_way"] = UpdateContactWay;
  routes["del_contact_way"] = DelContactWay;
}

}  // namespace segsync::fake
