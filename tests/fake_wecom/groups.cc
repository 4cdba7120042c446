#include "groups.h"

#include <stdexcept>

#include "api_error.h"

namespace segsync::fake {

json::object GroupStore::ChatJson(const GroupChat& g, bool with_names) {
  json::array members;
  for (const auto& m : g.members) {
    json::object o{{"userid", m.userid},         {"type", m.type},
                   {"join_time", m.join_time},   {"join_scene", m.join_scene},
                   {"group_nickname", m.group_nickname}};
    if (m.type == 2 && !m.unionid.empty()) o["unionid"] = m.unionid;
    if (!m.invitor.empty()) o["invitor"] = json::object{{"userid", m.invitor}};
    if (!m.state.empty()) o["state"] = m.state;
    if (with_names) o["name"] = m.name;
    members.push_back(std::move(o));
  }
  json::array admins;
  for (const auto& a : g.admins) admins.push_back(json::object{{"userid", a}});
  return {{"chat_id", g.chat_id},          {"name", g.name},
          {"owner", g.owner},              {"create_time", g.create_time},
          {"notice", g.notice},            {"member_list", std::move(members)},
          {"admin_list", std::move(admins)}, {"member_version", g.member_version}};
}

json::object GroupStore::JoinWayJson(const JoinWay& j) {
  return {{"config_id", j.config_id},
          {"scene", j.scene},
          {"remark", j.remark},
          {"auto_create_room", j.auto_create_room},
          {"room_base_name", j.room_base_name},
          {"room_base_id", j.room_base_id},
          {"chat_id_list", ToJsonArray(j.chat_id_list)},
          {"qr_code", j.qr_code},
          {"state", j.state}};
}

json::object GroupStore::ContactWayJson(const ContactWay& c) {
  json::array party;
  for (auto p : c.party) party.emplace_back(p);
  json::object o{{"config_id", c.config_id}, {"type", c.type},
                 {"scene", c.scene},         {"style", c.style},
                 {"remark", c.remark},       {"skip_verify", c.skip_verify},
                 {"state", c.state},         {"user", ToJsonArray(c.user)},
                 {"party", std::move(party)}, {"is_temp", c.is_temp},
                 {"expires_in", c.expires_in}, {"chat_expires_in", c.chat_expires_in}};
  if (!c.qr_code.empty()) o["qr_code"] = c.qr_code;
  return o;
}

json::array GroupStore::ChatsState() const {
  json::array out;
  for (const auto& [id, g] : chats) {
    json::object o = ChatJson(g, true);
    o["status"] = g.status;
    out.push_back(std::move(o));
  }
  return out;
}

json::array GroupStore::JoinWaysState() const {
  json::array out;
  for (const auto& [id, j] : join_ways) out.push_back(JoinWayJson(j));
  return out;
}

json::array GroupStore::ContactWaysState() const {
  json::array out;
  for (const auto& [id, c] : contact_ways) out.push_back(ContactWayJson(c));
  return out;
}

void GroupStore::LoadState(const json::array* chat_list, const json::array* join_list,
                           const json::array* contact_list) {
  if (chat_list) {
    for (const auto& v : *chat_list) {
      const auto& o = v.as_object();
      GroupChat g{GetString(o, "chat_id"), GetString(o, "name"), GetString(o, "owner"), GetString(o, "notice"),
                  GetInt(o, "create_time", 0), static_cast<int>(GetInt(o, "status", 0)), {}, {},
                  GetString(o, "member_version", "1")};
      if (g.chat_id.empty()) throw std::runtime_error("a group chat needs chat_id");
      if (const json::array* ms = GetArray(o, "member_list")) {
        for (const auto& mv : *ms) {
          const auto& m = mv.as_object();
          std::string invitor;
          if (const json::object* inv = GetObject(m, "invitor")) invitor = GetString(*inv, "userid");
          g.members.push_back({GetString(m, "userid"), static_cast<int>(GetInt(m, "type", 1)),
                               GetString(m, "unionid"), GetInt(m, "join_time", 0),
                               static_cast<int>(GetInt(m, "join_scene", 1)), invitor, GetString(m, "state"),
                               GetString(m, "group_nickname"), GetString(m, "name")});
        }
      }
      if (const json::array* as = GetArray(o, "admin_list"))
        for (const auto& a : *as) g.admins.push_back(GetString(a.as_object(), "userid"));
      chats[g.chat_id] = std::move(g);
    }
  }
  if (join_list) {
    for (const auto& v : *join_list) {
      const auto& o = v.as_object();
      JoinWay j{GetString(o, "config_id"), static_cast<int>(GetInt(o, "scene", 2)), GetString(o, "remark"),
                static_cast<int>(GetInt(o, "auto_create_room", 1)), GetString(o, "room_base_name"),
                GetInt(o, "room_base_id", 0), GetStringList(o, "chat_id_list"), GetString(o, "state"),
                GetString(o, "qr_code")};
      if (j.config_id.empty()) throw std::runtime_error("a join way needs config_id");
      join_ways[j.config_id] = std::move(j);
    }
  }
  if (contact_list) {
    for (const auto& v : *contact_list) {
      const auto& o = v.as_object();
      ContactWay c;
      c.config_id = GetString(o, "config_id");
      if (c.config_id.empty()) throw std::runtime_error("a contact way needs config_id");
      c.type = static_cast<int>(GetInt(o, "type", 1));
      c.scene = static_cast<int>(GetInt(o, "scene", 2));
      c.style = static_cast<int>(GetInt(o, "style", 0));
      c.remark = GetString(o, "remark");
      c.skip_verify = GetBool(o, "skip_verify", true);
      c.state = GetString(o, "state");
      c.user = GetStringList(o, "user");
      if (const json::array* party = GetArray(o, "party"))
        for (const auto& p : *party) c.party.push_back(p.to_number<std::int64_t>());
      c.is_temp = GetBool(o, "is_temp", false);
      c.expires_in = GetInt(o, "expires_in", 0);
      c.chat_expires_in = GetInt(o, "chat_expires_in", 0);
      c.qr_code = GetString(o, "qr_code");
      contact_ways[c.config_id] = std::move(c);
    }
  }
}

}  // namespace segsync::fake
