// Lenient decoding of WeCom responses (see codec.h for the rules).
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdint>
#include <cmath>

#include "wecom/codec.h"

namespace segsync::wecom {

namespace json = boost::json;

namespace {

// Thrown inside a decoder only; Decode() turns it into an ApiError.
struct ShapeError {
  std::string message;
};

std::string_view KindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "?";
}

[[noreturn]] void Wrong(std::string_view key, const json::value& v, std::string_view expected) {
  throw ShapeError{"field '" + std::string(key) + "' is " + std::string(KindName(v)) + ", expected " +
                   std::string(expected)};
}

const json::value* Find(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

std::string Str(const json::object& o, std::string_view key) {
  const json::value* v = Find(o, key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  if (v->is_double()) return json::serialize(*v);
  Wrong(key, *v, "a string");
}

std::int64_t Int(const json::object& o, std::string_view key) {
  const json::value* v = Find(o, key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double() && std::isfinite(v->get_double())) {
    // Converting a double beyond int64 is undefined behaviour (found by fuzz/wecom_response).
    double d = v->get_double();
    if (d < -9.2e18 || d > 9.2e18)
      throw ShapeError{"field '" + std::string(key) + "' is out of range for an integer"};
    return static_cast<std::int64_t>(d);
  }
  if (v->is_bool()) return v->get_bool() ? 1 : 0;
  if (v->is_string()) {
    std::string_view s = v->get_string();
    if (s.empty()) return 0;
    std::int64_t n = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && ptr == s.data() + s.size()) return n;
    throw ShapeError{"field '" + std::string(key) + "' is \"" + std::string(s.substr(0, 32)) +
                     "\", expected a number"};
  }
  Wrong(key, *v, "a number");
}

bool Bool(const json::object& o, std::string_view key) {
  const json::value* v = Find(o, key);
  if (!v) return false;
  if (v->is_bool()) return v->get_bool();
  if (v->is_string()) return v->get_string() == "true" || v->get_string() == "1";
  return Int(o, key) != 0;
}

const json::array& Arr(const json::object& o, std::string_view key) {
  static const json::array kEmpty;  // immutable: not mutable global state
  const json::value* v = Find(o, key);
  if (!v) return kEmpty;
  if (!v->is_array()) Wrong(key, *v, "an array");
  return v->get_array();
}

const json::object& Obj(const json::value& v, std::string_view key) {
  if (!v.is_object()) Wrong(key, v, "an object");
  return v.get_object();
}

const json::object& Obj(const json::object& o, std::string_view key) {
  static const json::object kEmpty;
  const json::value* v = Find(o, key);
  if (!v) return kEmpty;
  return Obj(*v, key);
}

std::vector<std::string> Strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  const json::value* v = Find(o, key);
  if (!v) return out;
  if (v->is_string()) {  // a lone value where a list belongs
    out.emplace_back(v->get_string());
    return out;
  }
  if (!v->is_array()) Wrong(key, *v, "an array of strings");
  for (const auto& e : v->get_array()) {
    if (e.is_string()) {
      out.emplace_back(e.get_string());
    } else if (e.is_int64() || e.is_uint64()) {  // old shapes: phone numbers as numbers
      out.push_back(json::serialize(e));
    } else {
      Wrong(std::string(key) + "[]", e, "a string");
    }
  }
  return out;
}

template <class T, class F>
ApiResult<T> Decode(std::string_view endpoint, F&& f) {
  try {
    return f();
  } catch (const ShapeError& e) {
    ApiError err;
    err.code = ErrorCode::kRemote;
    err.klass = ErrorClass::kUnknown;
    err.endpoint = std::string(endpoint);
    err.message = "WeCom " + std::string(endpoint) + ": unexpected response: " + e.message;
    return err;
  }
}

FollowUser ReadFollowUser(const json::object& f) {
  FollowUser u;
  u.userid = Str(f, "userid");
  u.remark = Str(f, "remark");
  u.description = Str(f, "description");
  u.createtime = Int(f, "createtime");
  for (const auto& t : Arr(f, "tags")) {
    const auto& to = Obj(t, "tags[]");
    u.tags.push_back({Str(to, "group_name"), Str(to, "tag_name"), Str(to, "tag_id"), static_cast<int>(Int(to, "type"))});
  }
  u.remark_corp_name = Str(f, "remark_corp_name");
  if (u.remark_corp_name.empty()) u.remark_corp_name = Str(f, "remark_company");
  u.remark_mobiles = Strings(f, "remark_mobiles");
  u.add_way = static_cast<int>(Int(f, "add_way"));
  u.oper_userid = Str(f, "oper_userid");
  u.state = Str(f, "state");
  return u;
}

ExternalContact ReadContact(const json::object& c) {
  ExternalContact e;
  e.external_userid = Str(c, "external_userid");
  e.name = Str(c, "name");
  e.type = static_cast<int>(Int(c, "type"));
  e.gender = static_cast<int>(Int(c, "gender"));
  e.unionid = Str(c, "unionid");
  e.corp_name = Str(c, "corp_name");
  e.corp_full_name = Str(c, "corp_full_name");
  return e;
}

Tag ReadTag(const json::object& t) {
  return Tag{Str(t, "id"), Str(t, "name"), Int(t, "create_time"), static_cast<std::uint32_t>(Int(t, "order")),
             Bool(t, "deleted")};
}

TagGroup ReadTagGroup(const json::object& g) {
  TagGroup out;
  out.group_id = Str(g, "group_id");
  out.name = Str(g, "group_name");
  out.create_time = Int(g, "create_time");
  out.order = static_cast<std::uint32_t>(Int(g, "order"));
  out.deleted = Bool(g, "deleted");
  for (const auto& t : Arr(g, "tag")) out.tags.push_back(ReadTag(Obj(t, "tag[]")));
  return out;
}

ContactWay ReadContactWay(const json::object& c) {
  ContactWay w;
  w.config_id = Str(c, "config_id");
  w.type = static_cast<int>(Int(c, "type"));
  w.scene = static_cast<int>(Int(c, "scene"));
  w.style = static_cast<int>(Int(c, "style"));
  w.remark = Str(c, "remark");
  w.skip_verify = Find(c, "skip_verify") ? Bool(c, "skip_verify") : true;
  w.state = Str(c, "state");
  w.user = Strings(c, "user");
  for (const auto& p : Arr(c, "party")) {
    json::object holder{{"p", p}};
    w.party.push_back(static_cast<int>(Int(holder, "p")));
  }
  w.qr_code = Str(c, "qr_code");
  return w;
}

}  // namespace

ApiResult<json::object> ParseBody(std::string_view endpoint, int http_status, std::string_view body) {
  boost::system::error_code ec;
  // One arena per answer, freed with it: a page of 100 relationships is thousands of small
  // values, and their malloc/free was the largest part of reading 1M relationships.
  json::value v = json::parse(body, ec, json::make_shared_resource<json::monotonic_resource>());
  if (ec || !v.is_object()) {
    ApiError err;
    err.code = ErrorCode::kTransient;
    err.klass = ErrorClass::kTransient;
    err.endpoint = std::string(endpoint);
    err.http_status = http_status;
    std::string start(body.substr(0, 60));
    for (char& c : start) {
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    err.message = "WeCom " + std::string(endpoint) + ": the response is not a JSON object (HTTP " +
                  std::to_string(http_status) + ", " + std::to_string(body.size()) + " bytes: \"" + start + "\")";
    return err;
  }
  return std::move(v.get_object());
}

ApiResult<Envelope> ReadEnvelope(std::string_view endpoint, const json::object& body) {
  auto r = Decode<Envelope>(endpoint, [&] {
    // An errcode beyond int would wrap (4294967296 -> 0, a false success): a broken answer.
    std::int64_t code = Int(body, "errcode");
    if (code < INT32_MIN || code > INT32_MAX) throw ShapeError{"field 'errcode' is out of range"};
    return Envelope{static_cast<int>(code), Str(body, "errmsg")};
  });
  if (!r.ok()) {
    ApiError err = r.error();
    err.code = ErrorCode::kTransient;
    err.klass = ErrorClass::kTransient;
    return err;
  }
  return r;
}

ApiResult<TokenInfo> DecodeToken(const json::object& o) {
  return Decode<TokenInfo>("gettoken", [&] {
    TokenInfo t{Str(o, "access_token"), static_cast<int>(Int(o, "expires_in"))};
    if (t.access_token.empty()) throw ShapeError{"field 'access_token' is missing or empty"};
    if (t.access_token.size() > 2048) throw ShapeError{"field 'access_token' is longer than 2048 bytes"};
    if (t.expires_in <= 0) t.expires_in = 7200;
    return t;
  });
}

ApiResult<std::vector<std::string>> DecodeStringList(std::string_view endpoint, const json::object& o,
                                                     std::string_view key) {
  return Decode<std::vector<std::string>>(endpoint, [&] { return Strings(o, key); });
}

ApiResult<ExternalContactDetail> DecodeExternalContactDetail(const json::object& o) {
  return Decode<ExternalContactDetail>("get", [&] {
    ExternalContactDetail d;
    d.contact = ReadContact(Obj(o, "external_contact"));
    for (const auto& f : Arr(o, "follow_user")) d.follow_users.push_back(ReadFollowUser(Obj(f, "follow_user[]")));
    d.next_cursor = Str(o, "next_cursor");
    return d;
  });
}

ApiResult<RelationshipPage> DecodeRelationshipPage(const json::object& o) {
  return Decode<RelationshipPage>("batch/get_by_user", [&] {
    RelationshipPage page;
    for (const auto& row : Arr(o, "external_contact_list")) {
      const auto& r = Obj(row, "external_contact_list[]");
      ExternalContact c = ReadContact(Obj(r, "external_contact"));
      const auto& f = Obj(r, "follow_info");
      Relationship rel;
      rel.userid = Str(f, "userid");
      rel.external_userid = c.external_userid;
      rel.unionid = c.unionid;
      rel.name = c.name;
      rel.state = Str(f, "state");
      rel.remark_mobiles = Strings(f, "remark_mobiles");
      rel.remark = Str(f, "remark");
      rel.createtime = Int(f, "createtime");
      rel.add_way = static_cast<int>(Int(f, "add_way"));
      rel.tag_ids = Strings(f, "tag_id");
      page.relationships.push_back(std::move(rel));
    }
    page.next_cursor = Str(o, "next_cursor");
    return page;
  });
}

ApiResult<std::vector<TagGroup>> DecodeTagGroups(const json::object& o) {
  return Decode<std::vector<TagGroup>>("get_corp_tag_list", [&] {
    std::vector<TagGroup> groups;
    for (const auto& g : Arr(o, "tag_group")) groups.push_back(ReadTagGroup(Obj(g, "tag_group[]")));
    return groups;
  });
}

ApiResult<TagGroup> DecodeAddedTagGroup(const json::object& o) {
  return Decode<TagGroup>("add_corp_tag", [&] {
    const json::value* g = Find(o, "tag_group");
    if (!g) throw ShapeError{"field 'tag_group' is missing"};
    return ReadTagGroup(Obj(*g, "tag_group"));
  });
}

ApiResult<GroupChatPage> DecodeGroupChatPage(const json::object& o) {
  return Decode<GroupChatPage>("groupchat/list", [&] {
    GroupChatPage page;
    for (const auto& c : Arr(o, "group_chat_list")) {
      const auto& co = Obj(c, "group_chat_list[]");
      page.chats.push_back({Str(co, "chat_id"), static_cast<int>(Int(co, "status"))});
    }
    page.next_cursor = Str(o, "next_cursor");
    return page;
  });
}

ApiResult<GroupChat> DecodeGroupChat(const json::object& o) {
  return Decode<GroupChat>("groupchat/get", [&] {
    const auto& g = Obj(o, "group_chat");
    GroupChat chat;
    chat.chat_id = Str(g, "chat_id");
    chat.name = Str(g, "name");
    chat.owner = Str(g, "owner");
    chat.create_time = Int(g, "create_time");
    chat.notice = Str(g, "notice");
    for (const auto& m : Arr(g, "member_list")) {
      const auto& mo = Obj(m, "member_list[]");
      GroupChatMember member;
      member.userid = Str(mo, "userid");
      member.type = static_cast<int>(Int(mo, "type"));
      member.unionid = Str(mo, "unionid");
      member.join_time = Int(mo, "join_time");
      member.join_scene = static_cast<int>(Int(mo, "join_scene"));
      member.invitor = Str(Obj(mo, "invitor"), "userid");
      member.group_nickname = Str(mo, "group_nickname");
      member.name = Str(mo, "name");
      member.state = Str(mo, "state");
      chat.members.push_back(std::move(member));
    }
    for (const auto& a : Arr(g, "admin_list")) chat.admins.push_back(Str(Obj(a, "admin_list[]"), "userid"));
    chat.member_version = Str(g, "member_version");
    return chat;
  });
}

ApiResult<std::string> DecodeConfigId(std::string_view endpoint, const json::object& o) {
  return Decode<std::string>(endpoint, [&] {
    std::string id = Str(o, "config_id");
    if (id.empty()) throw ShapeError{"field 'config_id' is missing or empty"};
    return id;
  });
}

ApiResult<JoinWay> DecodeJoinWay(const json::object& o) {
  return Decode<JoinWay>("groupchat/get_join_way", [&] {
    const auto& j = Obj(o, "join_way");
    JoinWay w;
    w.config_id = Str(j, "config_id");
    w.scene = static_cast<int>(Int(j, "scene"));
    w.remark = Str(j, "remark");
    w.auto_create_room = static_cast<int>(Int(j, "auto_create_room"));
    w.room_base_name = Str(j, "room_base_name");
    w.room_base_id = static_cast<int>(Int(j, "room_base_id"));
    w.chat_id_list = Strings(j, "chat_id_list");
    w.state = Str(j, "state");
    w.qr_code = Str(j, "qr_code");
    return w;
  });
}

ApiResult<ContactWayCreated> DecodeContactWayCreated(const json::object& o) {
  return Decode<ContactWayCreated>("add_contact_way", [&] {
    ContactWayCreated c{Str(o, "config_id"), Str(o, "qr_code")};
    if (c.config_id.empty()) throw ShapeError{"field 'config_id' is missing or empty"};
    return c;
  });
}

ApiResult<ContactWay> DecodeContactWay(const json::object& o) {
  return Decode<ContactWay>("get_contact_way", [&] {
    const json::value* v = Find(o, "contact_way");
    if (!v) throw ShapeError{"field 'contact_way' is missing"};
    if (v->is_array()) {  // the older shape: an array of one
      if (v->get_array().empty()) throw ShapeError{"field 'contact_way' is an empty array"};
      return ReadContactWay(Obj(v->get_array()[0], "contact_way[0]"));
    }
    return ReadContactWay(Obj(*v, "contact_way"));
  });
}

ApiResult<MsgTemplateResult> DecodeMsgTemplateResult(const json::object& o) {
  return Decode<MsgTemplateResult>("add_msg_template",
                                   [&] { return MsgTemplateResult{Str(o, "msgid"), Strings(o, "fail_list")}; });
}

ApiResult<GroupMsgTaskPage> DecodeGroupMsgTaskPage(const json::object& o) {
  return Decode<GroupMsgTaskPage>("get_groupmsg_task", [&] {
    GroupMsgTaskPage page;
    for (const auto& t : Arr(o, "task_list")) {
      const auto& to = Obj(t, "task_list[]");
      page.tasks.push_back({Str(to, "userid"), static_cast<int>(Int(to, "status")), Int(to, "send_time")});
    }
    page.next_cursor = Str(o, "next_cursor");
    return page;
  });
}

ApiResult<GroupMsgSendResultPage> DecodeGroupMsgSendResultPage(const json::object& o) {
  return Decode<GroupMsgSendResultPage>("get_groupmsg_send_result", [&] {
    GroupMsgSendResultPage page;
    for (const auto& s : Arr(o, "send_list")) {
      const auto& so = Obj(s, "send_list[]");
      page.results.push_back({Str(so, "external_userid"), Str(so, "chat_id"), Str(so, "userid"),
                              static_cast<int>(Int(so, "status")), Int(so, "send_time")});
    }
    page.next_cursor = Str(o, "next_cursor");
    return page;
  });
}

}  // namespace segsync::wecom
