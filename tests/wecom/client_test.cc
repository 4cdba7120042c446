// WecomClient against a scripted local server: token cache, retries, classification, flow
// control, stop. (The same behaviours against fake-wecom are in fake_wecom_client_test.cc.)
#include "wecom/wecom_client.h"

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "net/local_server.h"
#include "test_support.h"

namespace segsync::wecom {

using testing::LocalServer;
using testing::RunCoroutine;
using testing::ServerReply;
using testing::ServerRequest;

namespace {

constexpr const char* kSecret = "S3cr3t-Value/+=";

std::string ErrBody(int errcode) {
  return "{\"errcode\":" + std::to_string(errcode) + ",\"errmsg\":\"x, hint: [h" + std::to_string(errcode) +
         "], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=" +
         std::to_string(errcode) + "\"}";
}

bool Is(const ServerRequest& r, const std::string& path) { return r.target.rfind(path, 0) == 0; }

// Serves gettoken (counting fetches, tokens t1, t2, ...) and hands every other call to `business`.
struct ScriptedWecom {
  std::atomic<int> token_fetches{0};
  std::atomic<int> gettoken_delay_ms{0};
  std::atomic<int> expires_in{7200};
  std::function<ServerReply(const ServerRequest&, const std::string& token)> business;
  LocalServer server{[this](const ServerRequest& r) {
    if (Is(r, "/cgi-bin/gettoken")) {
      int n = ++token_fetches;
      ServerReply reply{200, "{\"access_token\":\"t" + std::to_string(n) + "\",\"expires_in\":" +
                                 std::to_string(expires_in) + "}"};
      reply.delay_ms = gettoken_delay_ms;
      return reply;
    }
    auto pos = r.target.find("access_token=");
    std::string token = pos == std::string::npos ? "" : r.target.substr(pos + 13, r.target.find('&', pos) - pos - 13);
    return business(r, token);
  }};
};

Options TestOptions(const std::string& url) {
  Options o;
  o.base_url = url + "/cgi-bin/";
  o.corpid = "ww-test";
  o.secret = kSecret;
  o.default_rate_per_minute = 0;
  o.timeout = std::chrono::milliseconds(2000);
  o.retry.initial_backoff = std::chrono::milliseconds(5);
  o.retry.concurrency_delay = std::chrono::milliseconds(10);
  o.concurrency_recovery = std::chrono::milliseconds(50);
  return o;
}

struct Harness {
  explicit Harness(Options o) : file_(std::tmpfile()), log(file_, LogLevel::kDebug) {
    auto c = WecomClient::Create(io, std::move(o), log);
    REQUIRE(c.ok());
    client = std::move(*c);
  }
  std::string LogText() {
    std::FILE* f = log_file();
    std::fflush(f);
    std::rewind(f);
    std::string s;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, f)) s.append(buf, n);
    return s;
  }
  std::FILE* log_file() { return file_; }
  boost::asio::io_context io;
  std::FILE* file_ = nullptr;
  Logger log;
  std::unique_ptr<WecomClient> client;
};

// Starts `n` mark_tag calls at once and runs them all; returns their results.
std::vector<ApiResult<Ok>> MarkMany(Harness& h, int n) {
  std::vector<std::optional<ApiResult<Ok>>> out(n);
  for (int i = 0; i < n; ++i) {
    // Built outside the coroutine: GCC 12 rejects some brace-initialised temporaries in co_await.
    MarkTagRequest req{"u1", "wm" + std::to_string(i), {"etA"}, {}};
    boost::asio::co_spawn(
        h.io,
        [&, i, req]() -> boost::asio::awaitable<void> { out[i].emplace(co_await h.client->MarkTag(req)); },
        boost::asio::detached);
  }
  h.io.restart();
  h.io.run();
  std::vector<ApiResult<Ok>> r;
  for (auto& o : out) r.push_back(std::move(*o));
  return r;
}

}  // namespace

TEST_CASE("token: one fetch for many concurrent callers, reused afterwards") {
  ScriptedWecom w;
  w.gettoken_delay_ms = 100;
  w.business = [](const ServerRequest&, const std::string& token) {
    return ServerReply{200, token == "t1" ? R"({"errcode":0,"follow_user":["a"]})" : ErrBody(40014)};
  };
  Harness h(TestOptions(w.server.url()));
  auto results = MarkMany(h, 12);
  for (auto& r : results) CHECK(r.ok());
  CHECK(w.token_fetches == 1);
  auto users = RunCoroutine(h.io, h.client->GetFollowUserList());
  REQUIRE(users.ok());
  CHECK(*users == std::vector<std::string>{"a"});
  CHECK(w.token_fetches == 1);
  CHECK(h.client->stats().token_fetches == 1);
}

TEST_CASE("token: 42001 and 40014 refresh once and retry - a second rejection is surfaced") {
  ScriptedWecom w;
  std::atomic<int> calls{0}, stale_calls{0};
  w.business = [&](const ServerRequest&, const std::string& token) {
    ++calls;
    if (token == "t1") {
      ++stale_calls;
      return ServerReply{200, ErrBody(42001)};
    }
    if (token == "t2") return ServerReply{200, ErrBody(0)};
    return ServerReply{200, ErrBody(40014)};
  };
  Options options = TestOptions(w.server.url());
  options.max_in_flight = 5;
  Harness h(options);
  // Six calls, five on the wire with t1: still only one refresh, each rejected call is resent
  // once, and the sixth (waiting for a slot) takes its token only then, so it sends t2 at once.
  auto results = MarkMany(h, 6);
  for (auto& r : results) CHECK(r.ok());
  CHECK(w.token_fetches == 2);
  CHECK(stale_calls >= 1);
  CHECK(stale_calls <= 5);
  CHECK(calls == stale_calls + 6);

  w.business = [](const ServerRequest&, const std::string&) { return ServerReply{200, ErrBody(40014)}; };
  auto r = RunCoroutine(h.io, h.client->MarkTag({"u", "wm", {"etA"}, {}}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.errcode() == 40014);
  CHECK(r.error().klass == ErrorClass::kToken);
  CHECK(w.token_fetches == 3);
}

TEST_CASE("token: refreshed ahead of expiry (margin, or half the lifetime when that is shorter)") {
  ScriptedWecom w;
  w.expires_in = 2;  // margin 300 s > lifetime: refresh after half of it, 1 s
  std::atomic<int> rejected{0};
  w.business = [&](const ServerRequest&, const std::string& token) {
    if (token != "t" + std::to_string(w.token_fetches.load())) ++rejected;
    return ServerReply{200, ErrBody(0)};
  };
  Harness h(TestOptions(w.server.url()));
  REQUIRE(RunCoroutine(h.io, h.client->MarkTag({"u", "wm", {"etA"}, {}})).ok());
  REQUIRE(RunCoroutine(h.io, h.client->MarkTag({"u", "wm", {"etA"}, {}})).ok());
  CHECK(w.token_fetches == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  REQUIRE(RunCoroutine(h.io, h.client->MarkTag({"u", "wm", {"etA"}, {}})).ok());
  CHECK(w.token_fetches == 2);
  CHECK(rejected == 0);  // always the newest token, never a stale one
}

TEST_CASE("gettoken refusals are fatal, name the fix, and never show the secret") {
  struct Row {
    int errcode;
    const char* needle;
  };
  for (Row row : {Row{40001, "the secret is wrong"}, Row{40013, "wecom.corpid"}, Row{40091, "does not belong"},
                  Row{60020, "企业可信IP"}}) {
    CAPTURE(row.errcode);
    LocalServer server([&](const ServerRequest&) { return ServerReply{200, ErrBody(row.errcode)}; });
    Harness h(TestOptions(server.url()));
    auto r = RunCoroutine(h.io, h.client->GetFollowUserList());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kFatal);
    CHECK(r.error().endpoint == "gettoken");
    CHECK(r.error().message.find(row.needle) != std::string::npos);
    CHECK(r.error().message.find(kSecret) == std::string::npos);
    CHECK(r.error().message.find("S3cr3t") == std::string::npos);
    CHECK(server.requests() == 1);  // not retried
    std::string log = h.LogText();
    CHECK(log.find("S3cr3t") == std::string::npos);
    CHECK(log.find("WeCom refused the app") != std::string::npos);
  }
}

TEST_CASE("business fatal errcodes end the call with the operator's message") {
  ScriptedWecom w;
  w.business = [](const ServerRequest& r, const std::string&) {
    return ServerReply{200, ErrBody(Is(r, "/cgi-bin/externalcontact/mark_tag") ? 60020 : 48002)};
  };
  Harness h(TestOptions(w.server.url()));
  auto mark = RunCoroutine(h.io, h.client->MarkTag({"u", "wm", {"etA"}, {}}));
  REQUIRE_FALSE(mark.ok());
  CHECK(mark.error().code == ErrorCode::kFatal);
  CHECK(mark.error().message ==
        "WeCom refused the app: errcode 60020 on mark_tag, the server's IP is not in the app's trusted IP list "
        "(企业可信IP); add it in the admin console [hint h60020]");
  auto tags = RunCoroutine(h.io, h.client->GetCorpTagList());
  REQUIRE_FALSE(tags.ok());
  CHECK(tags.errcode() == 48002);
  CHECK(tags.error().code == ErrorCode::kFatal);
  CHECK(h.client->stats().endpoints["mark_tag"].calls == 1);
}

TEST_CASE("per-item errcodes are returned at once with errcode and hint - list treats 84061 as empty") {
  ScriptedWecom w;
  std::atomic<int> calls{0};
  w.business = [&](const ServerRequest& r, const std::string&) {
    ++calls;
    if (Is(r, "/cgi-bin/externalcontact/list")) return ServerReply{200, ErrBody(84061)};
    return ServerReply{200, ErrBody(40068)};
  };
  Harness h(TestOptions(w.server.url()));
  auto mark = RunCoroutine(h.io, h.client->MarkTag({"u", "wm", {"etGone"}, {}}));
  REQUIRE_FALSE(mark.ok());
  CHECK(mark.error().klass == ErrorClass::kItem);
  CHECK(mark.error().code == ErrorCode::kRemote);
  CHECK(mark.errcode() == 40068);
  CHECK(mark.error().hint == "h40068");
  CHECK(mark.error().message == "WeCom mark_tag: errcode 40068 (invalid tag id) [hint h40068]");
  auto list = RunCoroutine(h.io, h.client->ListExternalContacts("lonely member"));
  REQUIRE(list.ok());
  CHECK(list->empty());
  CHECK(calls == 2);
  auto stats = h.client->stats();
  CHECK(stats.endpoints["mark_tag"].errcodes[40068] == 1);
  CHECK(stats.endpoints["list"].errcodes[84061] == 1);
}

TEST_CASE("transient failures are retried with backoff, and give up after max_attempts") {
  ScriptedWecom w;
  std::atomic<int> calls{0};
  w.business = [&](const ServerRequest&, const std::string&) {
    int n = ++calls;
    if (n == 1) return ServerReply{200, ErrBody(-1)};
    if (n == 2) return ServerReply{503, "Service Unavailable"};
    if (n == 3) return ServerReply{200, "not json"};
    if (n == 4) return ServerReply{200, "", 0, true};  // dropped
    if (n == 5) return ServerReply{200, ErrBody(0)};
    return ServerReply{502, "<html>bad gateway</html>"};
  };
  Options o = TestOptions(w.server.url());
  o.retry.max_attempts = 5;
  Harness h(o);
  auto ok = RunCoroutine(h.io, h.client->MarkTag({"u", "wm", {"etA"}, {}}));
  CHECK(ok.ok());
  CHECK(calls == 5);
  // The drop hit a kept-alive connection: the HTTP layer resent it once on a new connection
  // (a stale pooled connection looks the same), so the WeCom layer counted three retries.
  CHECK(h.client->stats().endpoints["mark_tag"].retries == 3);
  auto failed = RunCoroutine(h.io, h.client->MarkTag({"u", "wm", {"etA"}, {}}));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == ErrorCode::kTransient);
  CHECK(failed.error().http_status == 502);
  CHECK(failed.error().message.find("WeCom mark_tag: HTTP 502") == 0);
  CHECK(failed.error().message.find("gave up after 5 attempts") != std::string::npos);
  CHECK(calls == 10);
}

TEST_CASE("a non-JSON body that never heals ends as a clear transient error") {
  ScriptedWecom w;
  w.business = [](const ServerRequest&, const std::string&) { return ServerReply{200, "<html>oops</html>"}; };
  Options o = TestOptions(w.server.url());
  o.retry.max_attempts = 2;
  Harness h(o);
  auto r = RunCoroutine(h.io, h.client->GetCorpTagList());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("WeCom get_corp_tag_list: the response is not a JSON object (HTTP 200, 17 bytes") == 0);
}

TEST_CASE("45033: concurrency is halved, calls wait and all succeed - max_in_flight is never exceeded") {
  std::atomic<int> overloads{0};
  ScriptedWecom w;
  w.business = [&](const ServerRequest& r, const std::string&) {
    if (r.in_flight > 2) {  // the server's limit is 2: a third concurrent call gets 45033
      ++overloads;
      return ServerReply{200, ErrBody(45033)};
    }
    return ServerReply{200, ErrBody(0), 20};
  };
  Options o = TestOptions(w.server.url());
  o.max_in_flight = 6;
  o.concurrency_recovery = std::chrono::seconds(10);
  Harness h(o);
  auto results = MarkMany(h, 30);
  for (auto& r : results) CHECK(r.ok());
  CHECK(w.server.peak_in_flight() <= 6);
  auto stats = h.client->stats();
  CHECK(stats.peak_in_flight <= 6);
  CHECK(stats.endpoints["mark_tag"].ok == 30);
  CHECK(overloads > 0);
  CHECK(stats.endpoints["mark_tag"].errcodes[45033] == static_cast<std::uint64_t>(overloads.load()));
  CHECK(stats.concurrency_limit <= 3);  // halved from 6 at least once, no recovery within 10 s
}

TEST_CASE("45009 pauses the endpoint for block_seconds, then the call succeeds") {
  ScriptedWecom w;
  std::atomic<int> calls{0};
  w.business = [&](const ServerRequest& r, const std::string&) {
    if (Is(r, "/cgi-bin/externalcontact/mark_tag") && ++calls == 1) return ServerReply{200, ErrBody(45009)};
    return ServerReply{200, ErrBody(0)};
  };
  Options o = TestOptions(w.server.url());
  o.block_seconds = std::chrono::seconds(1);
  Harness h(o);
  auto start = std::chrono::steady_clock::now();
  auto results = MarkMany(h, 3);
  auto elapsed = std::chrono::steady_clock::now() - start;
  for (auto& r : results) CHECK(r.ok());
  CHECK(elapsed >= std::chrono::milliseconds(950));
  CHECK(elapsed < std::chrono::milliseconds(3000));
  CHECK(calls == 4);  // one 45009, then three successes: no spinning
  CHECK(h.LogText().find("frequency limit (45009)") != std::string::npos);
}

TEST_CASE("rate per minute spaces call starts, per endpoint") {
  ScriptedWecom w;
  w.business = [](const ServerRequest&, const std::string&) { return ServerReply{200, ErrBody(0)}; };
  Options o = TestOptions(w.server.url());
  o.default_rate_per_minute = 0;
  o.rate_per_minute["mark_tag"] = 1200;  // one call every 50 ms
  Harness h(o);
  RunCoroutine(h.io, h.client->AccessToken());
  auto start = std::chrono::steady_clock::now();
  auto results = MarkMany(h, 11);
  auto elapsed = std::chrono::steady_clock::now() - start;
  for (auto& r : results) CHECK(r.ok());
  CHECK(elapsed >= std::chrono::milliseconds(480));
  CHECK(elapsed < std::chrono::milliseconds(1500));
}

TEST_CASE("RequestStop: calls on the wire finish, queued ones end as cancelled") {
  ScriptedWecom w;
  w.business = [](const ServerRequest&, const std::string&) { return ServerReply{200, ErrBody(0), 200}; };
  Options o = TestOptions(w.server.url());
  o.max_in_flight = 2;
  Harness h(o);
  RunCoroutine(h.io, h.client->AccessToken());
  boost::asio::steady_timer stop_timer(h.io, std::chrono::milliseconds(100));
  stop_timer.async_wait([&](auto) { h.client->RequestStop(); });
  auto results = MarkMany(h, 8);
  int ok = 0, cancelled = 0;
  for (auto& r : results) {
    if (r.ok()) ++ok;
    else if (r.error().code == ErrorCode::kCancelled) ++cancelled;
  }
  CHECK(ok == 2);
  CHECK(cancelled == 6);
  CHECK(w.server.requests() == 3);  // gettoken + the two in flight
}

TEST_CASE("invalid requests are refused before sending") {
  ScriptedWecom w;
  w.business = [](const ServerRequest&, const std::string&) { return ServerReply{200, ErrBody(0)}; };
  Harness h(TestOptions(w.server.url()));
  auto empty = RunCoroutine(h.io, h.client->MarkTag({"u", "wm", {}, {}}));
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().code == ErrorCode::kInvalidInput);
  std::vector<std::string> many(101, "u");
  auto batch = RunCoroutine(h.io, h.client->BatchGetByUser(many));
  REQUIRE_FALSE(batch.ok());
  CHECK(batch.error().message == "WeCom batch/get_by_user: not sent: userid_list must hold 1 to 100 userids, not 101");
  auto chats = RunCoroutine(h.io, h.client->ListGroupChats({}));
  REQUIRE_FALSE(chats.ok());
  CHECK(w.server.requests() == 0);
  Logger log(std::tmpfile());
  boost::asio::io_context io;
  Options no_secret = TestOptions(w.server.url());
  no_secret.secret.clear();
  CHECK_FALSE(WecomClient::Create(io, no_secret, log).ok());
}

}  // namespace segsync::wecom
