#include "messages.h"

#include <stdexcept>

#include "api_error.h"

namespace segsync::fake {

json::array MessageStore::ToState() const {
  json::array out;
  for (const auto& [id, m] : templates) {
    json::array tasks, results;
    for (const auto& t : m.tasks)
      tasks.push_back({{"userid", t.userid}, {"status", t.status}, {"send_time", t.send_time}});
    for (const auto& r : m.results)
      results.push_back({{"userid", r.userid}, {"external_userid", r.external_userid}, {"chat_id", r.chat_id},
                         {"status", r.status}, {"send_time", r.send_time}});
    out.push_back({{"msgid", m.msgid}, {"chat_type", m.chat_type}, {"sender", m.sender},
                   {"create_time", m.create_time}, {"text", m.text}, {"attachments", m.attachments}, {"fail_list", ToJsonArray(m.fail_list)},
                   {"tasks", std::move(tasks)}, {"results", std::move(results)}});
  }
  return out;
}

void MessageStore::LoadState(const json::array& list) {
  for (const auto& v : list) {
    const auto& o = v.as_object();
    MsgTemplate m;
    m.msgid = GetString(o, "msgid");
    if (m.msgid.empty()) throw std::runtime_error("a message template needs msgid");
    m.chat_type = GetString(o, "chat_type", "single");
    m.sender = GetString(o, "sender");
    m.create_time = GetInt(o, "create_time", 0);
    m.text = GetString(o, "text");
    if (const json::array* a = GetArray(o, "attachments")) m.attachments = *a;
    m.fail_list = GetStringList(o, "fail_list");
    if (const json::array* tasks = GetArray(o, "tasks"))
      for (const auto& t : *tasks) {
        const auto& to = t.as_object();
        m.tasks.push_back({GetString(to, "userid"), static_cast<int>(GetInt(to, "status", 0)),
                           GetInt(to, "send_time", 0)});
      }
    if (const json::array* results = GetArray(o, "results"))
      for (const auto& r : *results) {
        const auto& ro = r.as_object();
        m.results.push_back({GetString(ro, "userid"), GetString(ro, "external_userid"), GetString(ro, "chat_id"),
                             static_cast<int>(GetInt(ro, "status", 0)), GetInt(ro, "send_time", 0)});
      }
    templates[m.msgid] = std::move(m);
  }
}

}  // namespace segsync::fake
