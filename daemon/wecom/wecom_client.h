// WecomClient: the typed WeCom customer-contact API for one app (one corpid + secret).
//
// Threading and executor: every method is a coroutine that must run on the io_context given
// to the constructor, and that io_context must be run by ONE thread (the client keeps its
// state without locks). stats() and RequestStop() may be called from any thread.
//
// What a call does for the caller:
// - access token: fetched on first use, cached, refreshed 5 minutes before it expires, one
//   fetch at a time (concurrent callers wait for it); on 40014/42001 (and 40001 on a business
//   call) the token is refreshed and the call retried once.
// - flow control: at most max_in_flight calls on the wire (lowered by half on 45033, then
//   raised by one every `concurrency_recovery`), and per endpoint a spacing of
//   1.01 * 60 s / rate_per_minute between call starts (no burst; 1% kept for network jitter,
//   so WeCom never counts more than rate_per_minute in any minute). On 45009 the
//   endpoint pauses for block_seconds. These waits are not failures and do not count as attempts.
// - retries: -1, HTTP 5xx/429, timeouts, dropped connections and unparsable bodies are retried
//   with exponential backoff and jitter, at most retry.max_attempts attempts in all.
// - everything else ends the call with an ApiError whose klass says what the caller should do
//   (kItem: record for this relationship and go on; kFatal: end the run, message says what the
//   operator must fix; see errors.h).
// For bulk work (mark_tag for thousands of relationships) launch many calls concurrently
// (co_spawn each, or a parallel group): the client throttles them.
//
// Stop: RequestStop() lets calls on the wire finish, and every call that has not started yet
// (or waits for a retry) ends with ErrorCode::kCancelled.
//
// The secret is registered with Logger::Redact and never appears in a message or a logged URL.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "wecom/errors.h"
#include "wecom/types.h"

namespace boost::asio {
class io_context;
}

namespace segsync::wecom {

struct RetryPolicy {
  int max_attempts = 4;                                // transient failures, first try included
  std::chrono::milliseconds initial_backoff{500};      // doubled per attempt, with ±50% jitter
  std::chrono::milliseconds max_backoff{30000};
  int max_waits = 30;                                  // 45033/45009 rounds before giving up (kTransient)
  std::chrono::milliseconds concurrency_delay{500};    // 45033: random in [0.5x, 1.5x] before retrying
};

struct Options {
  std::string base_url = "https://qyapi.weixin.qq.com";  // a trailing /cgi-bin is accepted
  std::string corpid;
  std::string secret;
  std::string ca_file;                   // PEM; empty = system CA store
  int max_in_flight = 5;
  int default_rate_per_minute = 600;     // per endpoint; 0 = no limit
  // Per-endpoint overrides. Keys are the endpoint names used in stats too: gettoken,
  // get_follow_user_list, list, get, batch/get_by_user, get_corp_tag_list, add_corp_tag,
  // edit_corp_tag, del_corp_tag, mark_tag, groupchat/list, groupchat/get,
  // groupchat/{add,get,update,del}_join_way, {add,get,del}_contact_way, add_msg_template,
  // get_groupmsg_task, get_groupmsg_send_result. (Config's `default:` key maps to
  // default_rate_per_minute.)
  std::map<std::string, int> rate_per_minute;
  std::chrono::milliseconds timeout{15000};    // per HTTP step
  std::chrono::seconds block_seconds{60};      // pause after 45009
  std::chrono::milliseconds concurrency_recovery{2000};  // +1 in flight after this long without 45033
  std::chrono::seconds token_margin{300};      // refresh this long before expiry
  std::size_t max_body_bytes = 16 << 20;
  RetryPolicy retry;
};

struct EndpointStats {
  std::uint64_t calls = 0;             // HTTP requests sent (retries included)
  std::uint64_t ok = 0;                // calls that ended with errcode 0
  std::map<int, std::uint64_t> errcodes;  // errcode -> count (every answer, retries included)
  std::uint64_t http_errors = 0;       // non-2xx answers
  std::uint64_t transport_errors = 0;  // timeouts, drops, TLS, unparsable bodies
  std::uint64_t retries = 0;
};

struct ClientStats {
  std::map<std::string, EndpointStats> endpoints;  // key: "mark_tag", "gettoken", ...
  int in_flight = 0;
  int peak_in_flight = 0;
  int concurrency_limit = 0;  // current (lowered after 45033)
  std::uint64_t token_fetches = 0;
  std::uint64_t connections_opened = 0;
};

class WecomClient {
 public:
  // Errors: kInvalidInput for a bad base URL / CA file / empty corpid or secret.
  static Result<std::unique_ptr<WecomClient>> Create(boost::asio::io_context& io, Options options, Logger& log);
  ~WecomClient();
  WecomClient(const WecomClient&) = delete;
  WecomClient& operator=(const WecomClient&) = delete;

  template <class T>
  using Call = boost::asio::awaitable<ApiResult<T>>;

  // The current access token (fetching it if needed). Mostly for tests and `segsync check`.
  Call<std::string> AccessToken();

  // §5 customers
  Call<std::vector<std::string>> GetFollowUserList();
  Call<std::vector<std::string>> ListExternalContacts(std::string userid);  // 84061 -> empty list
  Call<ExternalContactDetail> GetExternalContact(std::string external_userid, std::string cursor = {});
  // One page: ≤100 userids (more is kInvalidInput), limit clamped to 1..100.
  Call<RelationshipPage> BatchGetByUser(std::vector<std::string> userids, std::string cursor = {}, int limit = 100);
  // Every relationship of these members, page by page to `sink`, without holding them all.
  // The members are split into groups (<= 100 each, and at least max_in_flight groups) whose
  // cursor chains run concurrently; `sink(group, page)` gets group 0..n-1 in member order, so
  // a caller that keeps the groups apart and joins them in order gets a stable order. The sink
  // runs on the io thread; it may move out of the page. The first error ends the read.
  using RelationshipSink = std::function<void(std::size_t group, std::vector<Relationship>& page)>;
  Call<Ok> ReadAllRelationships(std::vector<std::string> userids, RelationshipSink sink);
  // The same, collected into one vector in member order.
  Call<std::vector<Relationship>> GetAllRelationships(std::vector<std::string> userids);

  // §3 corp tags
  Call<std::vector<TagGroup>> GetCorpTagList(std::vector<std::string> tag_ids = {},
                                             std::vector<std::string> group_ids = {});
  Call<TagGroup> AddCorpTag(AddCorpTagRequest request);
  Call<Ok> EditCorpTag(std::string id, std::string name, std::optional<std::uint32_t> order = std::nullopt);
  Call<Ok> DelCorpTag(std::vector<std::string> tag_ids, std::vector<std::string> group_ids = {});
  // §4 (both lists empty is kInvalidInput, sent nowhere)
  Call<Ok> MarkTag(MarkTagRequest request);

  // §6 groups (owner_userids must hold 1..100 userids: owner_filter is always sent)
  Call<GroupChatPage> ListGroupChats(GroupChatListRequest request);
  Call<std::vector<GroupChatRef>> ListAllGroupChats(std::vector<std::string> owner_userids, int status_filter = 0);
  Call<GroupChat> GetGroupChat(std::string chat_id, bool need_name = true);
  Call<std::string> AddJoinWay(JoinWay way);  // -> config_id
  Call<JoinWay> GetJoinWay(std::string config_id);
  Call<Ok> UpdateJoinWay(JoinWay way);        // way.config_id required
  Call<Ok> DelJoinWay(std::string config_id);
  Call<ContactWayCreated> AddContactWay(ContactWay way);
  Call<ContactWay> GetContactWay(std::string config_id);
  Call<Ok> DelContactWay(std::string config_id);

  // §7 mass messages
  Call<MsgTemplateResult> AddMsgTemplate(MsgTemplate message);
  Call<GroupMsgTaskPage> GetGroupMsgTask(std::string msgid, std::string cursor = {}, int limit = 1000);
  Call<GroupMsgSendResultPage> GetGroupMsgSendResult(std::string msgid, std::string userid, std::string cursor = {},
                                                     int limit = 1000);

  // Thread-safe. Stops starting calls; see the header comment.
  void RequestStop();
  bool stopping() const;
  ClientStats stats() const;

 private:
  struct Impl;
  explicit WecomClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace segsync::wecom
