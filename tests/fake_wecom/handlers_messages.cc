// add_msg_template, get_groupmsg_task, get_groupmsg_send_result (wecom-api.md §7).
// Each customer gets the message from one member: the one whose relationship is newest
// (standing in for "the member who last chatted with the customer").
#include <algorithm>
#include <set>

#include "api_error.h"
#include "cursor.h"
#include "world.h"

namespace segsync::fake {

namespace {

constexpr std::size_t kMaxExternalUserids = 10000;
constexpr std::size_t kMaxChatIds = 2000;
constexpr std::size_t kMaxTagsPerEntry = 100;
constexpr std::size_t kMaxAttachments = 9;
constexpr std::size_t kMaxTextBytes = 4000;

[[noreturn]] void Param(const std::string& why) { throw ApiError{kInvalidParameter, why}; }

// tag_filter.group_list: OR inside an entry, AND across entries.
using TagFilter = std::vector<std::vector<std::string>>;

TagFilter ParseTagFilter(const World& w, const json::object& body) {
  TagFilter filter;
  const json::object* tf = GetObject(body, "tag_filter");
  if (!tf) return filter;
  const json::array* groups = GetArray(*tf, "group_list");
  if (!groups) return filter;
  for (const auto& g : *groups) {
    if (!g.is_object()) Param("tag_filter.group_list must hold objects");
    std::vector<std::string> tags = GetStringList(g.get_object(), "tag_list");
    if (tags.empty() || tags.size() > kMaxTagsPerEntry) Param("each tag_list holds 1..100 tags");
    for (const auto& t : tags)
      if (!w.tags.FindLiveTag(t)) throw ApiError{kInvalidTagId, t};
    filter.push_back(std::move(tags));
  }
  return filter;
}

bool Matches(const TagFilter& filter, const Relationship& r) {
  for (const auto& any_of : filter) {
    bool hit = std::any_of(any_of.begin(), any_of.end(), [&](const std::string& t) {
      return std::find(r.tag_ids.begin(), r.tag_ids.end(), t) != r.tag_ids.end();
    });
    if (!hit) return false;
  }
  return true;
}

// The newest relationship of the customer that passes sender and filter, or nullptr.
const Relationship* Pick(const World& w, const std::string& ext, const std::string& sender, const TagFilter& filter,
                         bool* related) {
  const Relationship* best = nullptr;
  for (const Relationship* r : w.customers.OfCustomer(ext)) {
    if (!sender.empty() && r->userid != sender) continue;
    *related = true;
    if (Matches(filter, *r)) best = r;  // OfCustomer is oldest first
  }
  return best;
}

void CheckContent(const json::object& body) {
  std::string text;
  if (const json::object* t = GetObject(body, "text")) text = GetString(*t, "content");
  if (text.size() > kMaxTextBytes) Param("text.content longer than 4000 bytes");
  const json::array* attachments = GetArray(body, "attachments");
  if (attachments && attachments->size() > kMaxAttachments) Param("at most 9 attachments");
  if (text.empty() && (!attachments || attachments->empty())) Param("text and attachments are both empty");
}

json::object AddMsgTemplate(World& w, const Call& c) {
  std::string chat_type = GetString(c.body, "chat_type", "single");
  if (chat_type != "single" && chat_type != "group") Param("chat_type must be single or group");
  CheckContent(c.body);
  std::string sender = GetString(c.body, "sender");
  if (!sender.empty() && !w.customers.HasMember(sender)) throw ApiError{kNoSuchUser, sender};
  MsgTemplate m;
  m.chat_type = chat_type;
  m.sender = sender;
  m.create_time = c.now;
  if (const json::object* t = GetObject(c.body, "text")) m.text = GetString(*t, "content");
  if (const json::array* a = GetArray(c.body, "attachments")) m.attachments = *a;
  std::map<std::string, std::vector<SendResult>> by_member;
  if (chat_type == "single") {
    std::vector<std::string> exts = GetStringList(c.body, "external_userid");
    if (exts.size() > kMaxExternalUserids) Param("external_userid holds more than 10000 ids");
    TagFilter filter = ParseTagFilter(w, c.body);
    std::set<std::string> targets(exts.begin(), exts.end());
    if (exts.empty()) {
      for (const auto& key : w.customers.sorted())
        if (sender.empty() || key.first == sender) targets.insert(key.second);
    }
    for (const auto& ext : targets) {
      bool related = false;
      const Relationship* r = w.customers.FindCustomer(ext) ? Pick(w, ext, sender, filter, &related) : nullptr;
      if (!related) {
        if (!exts.empty()) m.fail_list.push_back(ext);  // unknown, or not a customer of sender
        continue;
      }
      if (r) by_member[r->userid].push_back({r->userid, ext, "", 0, 0});
    }
  } else {
    if (sender.empty()) Param("sender is required for chat_type group");
    std::vector<std::string> chats = GetStringList(c.body, "chat_id_list");
    if (chats.size() > kMaxChatIds) Param("chat_id_list holds more than 2000 chats");
    if (chats.empty())
      for (const auto& [id, g] : w.groups.chats)
        if (g.owner == sender) chats.push_back(id);
    for (const auto& id : chats) {
      auto it = w.groups.chats.find(id);
      if (it == w.groups.chats.end() || it->second.owner != sender) m.fail_list.push_back(id);
      else by_member[sender].push_back({sender, "", id, 0, 0});
    }
  }
  for (auto& [userid, results] : by_member) {
    m.tasks.push_back({userid, 0, 0});
    for (auto& r : results) m.results.push_back(std::move(r));
  }
  m.msgid = w.ids.Next("msg", 28);
  json::object out{{"fail_list", ToJsonArray(m.fail_list)}, {"msgid", m.msgid}};
  w.messages.templates[m.msgid] = std::move(m);
  return out;
}

const MsgTemplate& FindMsg(const World& w, const json::object& body) {
  std::string id = GetString(body, "msgid");
  auto it = w.messages.templates.find(id);
  if (id.empty() || it == w.messages.templates.end()) Param("invalid msgid");
  return it->second;
}

std::pair<std::size_t, std::size_t> Page(const json::object& body, std::size_t size) {
  std::int64_t limit = GetInt(body, "limit", 500);
  if (limit <= 0) limit = 500;
  limit = std::min<std::int64_t>(limit, 1000);
  std::size_t start = 0;
  if (std::string cursor = GetString(body, "cursor"); !cursor.empty()) start = DecodeOffsetCursor(cursor);
  if (start > size) Param("invalid cursor");
  return {start, std::min(size, start + static_cast<std::size_t>(limit))};
}

json::object GetGroupmsgTask(World& w, const Call& c) {
  const MsgTemplate& m = FindMsg(w, c.body);
  auto [start, end] = Page(c.body, m.tasks.size());
  json::array out;
  for (std::size_t i = start; i < end; ++i)
    out.push_back({{"userid", m.tasks[i].userid}, {"status", m.tasks[i].status}, {"send_time", m.tasks[i].send_time}});
  return {{"task_list", std::move(out)}, {"next_cursor", end < m.tasks.size() ? EncodeOffsetCursor(end) : ""}};
}

json::object GetGroupmsgSendResult(World& w, const Call& c) {
  const MsgTemplate& m = FindMsg(w, c.body);
  std::string userid = GetString(c.body, "userid");
  if (userid.empty()) Param("field `userid` is required");
  std::vector<const SendResult*> mine;
  for (const auto& r : m.results)
    if (r.userid == userid) mine.push_back(&r);
  auto [start, end] = Page(c.body, mine.size());
  json::array out;
  for (std::size_t i = start; i < end; ++i) {
    const SendResult& r = *mine[i];
    json::object o{{"userid", r.userid}, {"status", r.status}, {"send_time", r.send_time}};
    if (!r.chat_id.empty()) o["chat_id"] = r.chat_id;
    else o["external_userid"] = r.external_userid;
    out.push_back(std::move(o));
  }
  return {{"send_list", std::move(out)}, {"next_cursor", end < mine.size() ? EncodeOffsetCursor(end) : ""}};
}

}  // namespace

void AddMessageRoutes(Routes& routes) {
  routes["add_msg_template"] = AddMsgTemplate;
  routes["get_groupmsg_task"] = GetGroupmsgTask;
  routes["get_groupmsg_send_result"] = GetGroupmsgSendResult;
}

}  // namespace segsync::fake
