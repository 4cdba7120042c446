#include "group_ops.h"

#include <algorithm>
#include <stdexcept>

#include "api_error.h"

namespace segsync::fake {

namespace {

[[noreturn]] void Bad(const std::string& why) { throw std::runtime_error(why); }

std::string Need(const json::object& body, const char* key) {
  std::string v = GetString(body, key);
  if (v.empty()) Bad(std::string("field \"") + key + "\" is required");
  return v;
}

GroupChat& FindChat(World& w, const std::string& chat_id) {
  auto it = w.groups.chats.find(chat_id);
  if (it == w.groups.chats.end()) Bad("no group chat " + chat_id);
  return it->second;
}

}  // namespace

json::object ScanContactWay(World& w, const json::object& body) {
  std::string config_id = Need(body, "config_id");
  auto it = w.groups.contact_ways.find(config_id);
  if (it == w.groups.contact_ways.end()) Bad("no contact way " + config_id);
  const ContactWay& way = it->second;
  std::string userid = GetString(body, "userid");
  if (userid.empty()) {
    if (way.user.empty()) Bad("the contact way has no user; give \"userid\"");
    userid = way.user.front();
  } else if (std::find(way.user.begin(), way.user.end(), userid) == way.user.end()) {
    Bad(userid + " is not a user of this contact way");
  }
  std::string ext = Need(body, "external_userid");
  Relationship r;
  r.userid = userid;
  r.external_userid = ext;
  r.state = way.state;
  r.add_way = 1;
  r.oper_userid = ext;
  r.createtime = NowSeconds();
  if (Relationship* old = w.customers.Find(userid, ext)) r.tag_ids = old->tag_ids;
  w.customers.Put(std::move(r));
  Customer& c = w.customers.UpsertCustomer(ext);
  if (Has(body, "unionid")) c.unionid = GetString(body, "unionid");
  if (c.name.empty()) c.name = GetString(body, "name", ext);
  return {{"userid", userid}, {"state", way.state}};
}

json::object AddGroupChat(World& w, const json::object& body) {
  std::string owner = Need(body, "owner");
  std::string chat_id = GetString(body, "chat_id");
  if (chat_id.empty()) chat_id = w.ids.Next("wr", 28);
  if (w.groups.chats.count(chat_id)) Bad("group chat " + chat_id + " exists");
  w.customers.AddMember(owner);
  GroupChat g;
  g.chat_id = chat_id;
  g.name = GetString(body, "name");
  g.owner = owner;
  g.create_time = NowSeconds();
  g.members.push_back({owner, 1, "", g.create_time, 1, "", "", "", owner});
  g.member_version = w.ids.Hex("", 32);
  w.groups.chats[chat_id] = std::move(g);
  return {{"chat_id", chat_id}};
}

json::object JoinGroup(World& w, const json::object& body) {
  std::string ext = Need(body, "external_userid");
  std::string chat_id = GetString(body, "chat_id"), state;
  int scene = 1;
  if (std::string config_id = GetString(body, "config_id"); !config_id.empty()) {
    auto it = w.groups.join_ways.find(config_id);
    if (it == w.groups.join_ways.end()) Bad("no join way " + config_id);
    const JoinWay& way = it->second;
    auto chat = std::find_if(way.chat_id_list.begin(), way.chat_id_list.end(),
                             [&](const std::string& id) { return w.groups.chats.count(id) > 0; });
    if (chat == way.chat_id_list.end()) Bad("none of the join way's chats exists any more");
    chat_id = *chat;
    state = way.state;
    scene = 3;
  } else if (chat_id.empty()) {
    Bad("give config_id or chat_id");
  }
  GroupChat& g = FindChat(w, chat_id);
  bool present = std::any_of(g.members.begin(), g.members.end(),
                             [&](const GroupMember& m) { return m.userid == ext; });
  if (!present) {
    const Customer* c = w.customers.FindCustomer(ext);
    g.members.push_back({ext, 2, c ? c->unionid : "", NowSeconds(), scene, "", state, "", c ? c->name : ext});
    g.member_version = w.ids.Hex("", 32);
  }
  return {{"chat_id", chat_id}, {"state", state}};
}

json::object LeaveGroup(World& w, const json::object& body) {
  GroupChat& g = FindChat(w, Need(body, "chat_id"));
  std::string ext = Need(body, "external_userid");
  auto n = std::erase_if(g.members, [&](const GroupMember& m) { return m.userid == ext; });
  if (n == 0) Bad(ext + " is not in the group");
  g.member_version = w.ids.Hex("", 32);
  return {};
}

json::object SetSendResult(World& w, const json::object& body) {
  std::string msgid = Need(body, "msgid");
  auto it = w.messages.templates.find(msgid);
  if (it == w.messages.templates.end()) Bad("no message " + msgid);
  MsgTemplate& m = it->second;
  std::string userid = Need(body, "userid");
  if (Has(body, "task_status")) {
    int status = static_cast<int>(GetInt(body, "task_status", 0));
    if (status != 0 && status != 2) Bad("task_status must be 0 or 2");
    auto t = std::find_if(m.tasks.begin(), m.tasks.end(), [&](const MsgTask& t) { return t.userid == userid; });
    if (t == m.tasks.end()) Bad(userid + " has no task for " + msgid);
    t->status = status;
    t->send_time = status == 2 ? NowSeconds() : 0;
    return {};
  }
  int status = static_cast<int>(GetInt(body, "status", -1));
  if (status < 0 || status > 3) Bad("status must be 0..3");
  std::string ext = GetString(body, "external_userid"), chat = GetString(body, "chat_id");
  auto r = std::find_if(m.results.begin(), m.results.end(), [&](const SendResult& r) {
    return r.userid == userid && r.external_userid == ext && r.chat_id == chat;
  });
  if (r == m.results.end()) Bad("no such recipient of " + msgid);
  r->status = status;
  r->send_time = status == 1 ? NowSeconds() : 0;
  return {};
}

}  // namespace segsync::fake
