// Mass-message tasks created by add_msg_template and their per-member and per-customer
// results (wecom-api.md §7). Statuses start at 0 (unsent) and are set via /admin/send_result.
// Not thread-safe.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace segsync::fake {

struct MsgTask {
  std::string userid;
  int status = 0;  // 0 unsent, 2 sent
  std::int64_t send_time = 0;
};

struct SendResult {
  std::string userid;
  std::string external_userid;  // single chat
  std::string chat_id;          // group chat
  int status = 0;               // 0 unsent, 1 sent, 2 not a friend, 3 quota
  std::int64_t send_time = 0;
};

struct MsgTemplate {
  std::string msgid;
  std::string chat_type = "single";
  std::string sender;
  std::int64_t create_time = 0;
  std::string text;
  boost::json::array attachments;     // as the request gave them
  std::vector<std::string> fail_list;
  std::vector<MsgTask> tasks;         // ordered by userid
  std::vector<SendResult> results;    // ordered by (userid, external_userid/chat_id)
};

struct MessageStore {
  std::map<std::string, MsgTemplate> templates;

  boost::json::array ToState() const;
  void LoadState(const boost::json::array& templates);
};

}  // namespace segsync::fake
