// WecomClient against the real fake-wecom process (FAKE_WECOM_BIN) on 127.0.0.1: faults are
// injected through its admin API (/tmp/team/fake-wecom-contract.md).
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "net/http_client.h"
#include "net/local_server.h"
#include "test_support.h"
#include "wecom/wecom_client.h"

namespace segsync::wecom {

namespace json = boost::json;
using testing::RunCoroutine;

namespace {

constexpr const char* kSecret = "fake-secret-XYZ";

struct Fake {
  explicit Fake(const std::string& generate = "customers=300,members=6,seed=7")
      : proc({FAKE_WECOM_BIN, "--port", "0", "--corpid", "wwfake", "--secret", kSecret, "--generate", generate}) {
    std::string line = proc.ReadLine(20000);
    REQUIRE_MESSAGE(!line.empty(), (std::string("fake-wecom did not start: ") + testing::ReadFile(proc.stderr_path())));
    url = "http://127.0.0.1:" + line;
  }
  testing::ChildProcess proc;
  std::string url;
};

struct Harness {
  explicit Harness(const Fake& fake, int max_in_flight = 5) : file(std::tmpfile()), log(file, LogLevel::kDebug) {
    Options o;
    o.base_url = fake.url;
    o.corpid = "wwfake";
    o.secret = kSecret;
    o.max_in_flight = max_in_flight;
    o.default_rate_per_minute = 0;
    o.timeout = std::chrono::milliseconds(1000);
    o.block_seconds = std::chrono::seconds(1);
    o.retry.initial_backoff = std::chrono::milliseconds(5);
    o.retry.concurrency_delay = std::chrono::milliseconds(20);
    o.concurrency_recovery = std::chrono::milliseconds(200);
    options = o;
    auto c = WecomClient::Create(io, o, log);
    REQUIRE(c.ok());
    client = std::move(*c);
    net::HttpOptions ho;
    ho.base_url = fake.url;
    auto a = net::HttpClient::Create(io, ho);
    REQUIRE(a.ok());
    admin = std::move(*a);
  }
  std::string LogText() {
    std::fflush(file);
    std::rewind(file);
    std::string s;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, file)) s.append(buf, n);
    return s;
  }
  boost::asio::awaitable<json::value> AdminCall(std::string method, std::string path, std::string body) {
    auto r = co_await admin->Request(method, path, body);
    if (!r || r->status != 200) co_return json::value(nullptr);
    co_return json::parse(r->body);
  }
  json::value Admin(const std::string& path, const std::string& body = "") {
    auto v = RunCoroutine(io, AdminCall(body.empty() ? "GET" : "POST", path, body));
    REQUIRE_MESSAGE(!v.is_null(), ("admin call failed: " + path));
    return v;
  }
  // Some real relationships and a tag to put on them.
  std::vector<Relationship> Relationships() {
    auto users = RunCoroutine(io, client->GetFollowUserList());
    REQUIRE(users.ok());
    auto rels = RunCoroutine(io, client->GetAllRelationships(*users));
    REQUIRE(rels.ok());
    REQUIRE(!rels->empty());
    return *rels;
  }
  std::string NewTag(const std::string& name) {
    auto g = RunCoroutine(io, client->AddCorpTag({"", "segsync 测试", std::nullopt, {{name, std::nullopt}}}));
    REQUIRE(g.ok());
    REQUIRE(g->tags.size() >= 1);
    for (const auto& t : g->tags) {
      if (t.name == name) return t.id;
    }
    FAIL("tag not returned");
    return "";
  }
  // mark_tag on the first n relationships, all at once; `midway(i)` runs after call i finishes.
  std::vector<ApiResult<Ok>> MarkAll(const std::vector<Relationship>& rels, std::size_t n, const std::string& tag,
                                     std::function<void(std::size_t)> midway = {}) {
    std::vector<std::optional<ApiResult<Ok>>> out(n);
    std::size_t done = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& rel = rels[i % rels.size()];
      MarkTagRequest req{rel.userid, rel.external_userid, {tag}, {}};
      boost::asio::co_spawn(
          io,
          [&, i, req]() -> boost::asio::awaitable<void> {
            out[i].emplace(co_await client->MarkTag(req));
            if (midway) midway(++done);
          },
          boost::asio::detached);
    }
    io.restart();
    io.run();
    std::vector<ApiResult<Ok>> r;
    for (auto& o : out) r.push_back(std::move(*o));
    return r;
  }
  boost::asio::io_context io;
  std::FILE* file;
  Logger log;
  Options options;
  std::unique_ptr<WecomClient> client;
  std::unique_ptr<net::HttpClient> admin;
};

int CountOk(const std::vector<ApiResult<Ok>>& rs) {
  int n = 0;
  for (const auto& r : rs) n += r.ok() ? 1 : 0;
  return n;
}

std::int64_t StatInt(const json::value& stats, std::initializer_list<const char*> path) {
  const json::value* v = &stats;
  for (const char* key : path) {
    if (!v->is_object() || !v->as_object().contains(key)) return 0;
    v = &v->as_object().at(key);
  }
  return v->is_int64() ? v->as_int64() : v->is_uint64() ? static_cast<std::int64_t>(v->as_uint64()) : 0;
}

}  // namespace

TEST_CASE("fake-wecom: batch/get_by_user pages over more than 10,000 relationships") {
  Fake fake("customers=9000,members=150,seed=11");
  Harness h(fake);
  auto state = h.Admin("/admin/state");
  const auto& expected = state.at("relationships").as_array();
  REQUIRE(expected.size() > 10000);
  auto users = RunCoroutine(h.io, h.client->GetFollowUserList());
  REQUIRE(users.ok());
  REQUIRE(users->size() > 100);  // more than one chunk of members
  auto rels = RunCoroutine(h.io, h.client->GetAllRelationships(*users));
  REQUIRE(rels.ok());
  CHECK(rels->size() == expected.size());
  std::set<std::pair<std::string, std::string>> got, want;
  for (const auto& r : *rels) got.insert({r.userid, r.external_userid});
  for (const auto& r : expected) {
    want.insert({std::string(r.at("userid").as_string()), std::string(r.at("external_userid").as_string())});
  }
  CHECK(got == want);
  auto stats = h.client->stats();
  // 150 members read as 5 concurrent cursor chains (max_in_flight): at most one partial page
  // per chain beyond the lower bound, and no more connections than calls in flight.
  CHECK(stats.endpoints["batch/get_by_user"].calls >= expected.size() / 100);
  CHECK(stats.endpoints["batch/get_by_user"].calls <= (expected.size() + 99) / 100 + 5);
  CHECK(stats.connections_opened <= 5);  // keep-alive
}

TEST_CASE("fake-wecom: a refused page ends the whole relationship read - no partial result") {
  Fake fake("customers=3000,members=20,seed=5");
  Harness h(fake);
  auto users = RunCoroutine(h.io, h.client->GetFollowUserList());
  REQUIRE(users.ok());
  // 48002 is not retried: the chain that meets it fails, and the other chains stop paging.
  h.Admin("/admin/fault", R"({"endpoint":"batch/get_by_user","count":1,"errcode":48002})");
  size_t pages = 0;
  auto read = RunCoroutine(h.io, h.client->ReadAllRelationships(*users, [&](size_t, std::vector<wecom::Relationship>&) { ++pages; }));
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().errcode == 48002);
  auto calls = StatInt(h.Admin("/admin/stats"), {"calls", "batch/get_by_user"});
  CHECK(calls <= 10);  // the 5 chains stop after their page in flight, not after ~36 pages
  // Groups arrive in member order: group g's relationships belong to later members than g-1's.
  auto all = RunCoroutine(h.io, h.client->GetAllRelationships(*users));
  REQUIRE(all.ok());
  std::map<std::string, size_t> member_index;
  for (size_t i = 0; i < users->size(); ++i) member_index[(*users)[i]] = i;
  size_t group_size = (users->size() + 4) / 5;
  for (size_t i = 1; i < all->size(); ++i)
    CHECK(member_index[(*all)[i - 1].userid] / group_size <= member_index[(*all)[i].userid] / group_size);
}

TEST_CASE("fake-wecom: token expired mid-batch is refreshed once and every call succeeds") {
  Fake fake;
  Harness h(fake);
  auto rels = h.Relationships();
  std::string tag = h.NewTag("过期测试");
  auto results = h.MarkAll(rels, 200, tag, [&](std::size_t done) {
    if (done == 50) {
      boost::asio::co_spawn(h.io, h.AdminCall("POST", "/admin/tokens", R"({"action":"expire"})"), boost::asio::detached);
    }
  });
  CHECK(CountOk(results) == 200);
  auto stats = h.client->stats();
  CHECK(stats.token_fetches == 2);
  CHECK(stats.endpoints["mark_tag"].errcodes[42001] >= 1);
  // Revoked (40014) works the same way.
  h.Admin("/admin/tokens", R"({"action":"revoke"})");
  CHECK(CountOk(h.MarkAll(rels, 20, tag)) == 20);
  CHECK(h.client->stats().token_fetches == 3);
}

TEST_CASE("fake-wecom: a 45033 storm lowers concurrency - nothing fails - the server's limit holds after") {
  Fake fake;
  Harness h(fake, 8);
  auto rels = h.Relationships();
  std::string tag = h.NewTag("并发测试");
  h.Admin("/admin/limit", R"({"endpoint":"mark_tag","max_in_flight":3})");
  h.Admin("/admin/fault", R"({"endpoint":"mark_tag","count":10,"errcode":45033})");
  auto results = h.MarkAll(rels, 300, tag);
  CHECK(CountOk(results) == 300);
  auto client_stats = h.client->stats();
  CHECK(client_stats.endpoints["mark_tag"].errcodes[45033] >= 10);
  CHECK(client_stats.peak_in_flight <= 8);
  auto server_stats = h.Admin("/admin/stats");
  CHECK(StatInt(server_stats, {"peak_in_flight", "mark_tag"}) <= 8);
  CHECK(h.LogText().find("lowering concurrency") != std::string::npos);
}

TEST_CASE("fake-wecom: 45009 pauses the endpoint for block_seconds instead of spinning") {
  Fake fake;
  Harness h(fake);
  auto rels = h.Relationships();
  std::string tag = h.NewTag("频率测试");
  h.Admin("/admin/reset_stats", "{}");
  h.Admin("/admin/limit", R"({"endpoint":"mark_tag","per_minute":10,"block_seconds":1})");
  auto start = std::chrono::steady_clock::now();
  auto results = h.MarkAll(rels, 15, tag);
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(CountOk(results) == 15);
  CHECK(elapsed >= std::chrono::milliseconds(950));
  auto server_stats = h.Admin("/admin/stats");
  // 10 admitted, then a handful of 45009 while blocked, then the rest: no spinning.
  CHECK(StatInt(server_stats, {"calls", "mark_tag"}) <= 15 + 10);
}

TEST_CASE("fake-wecom: 503, -1, timeouts, drops and non-JSON bodies are retried") {
  Fake fake;
  Harness h(fake);
  auto rels = h.Relationships();
  std::string tag = h.NewTag("故障测试");
  const char* faults[] = {R"({"endpoint":"mark_tag","count":2,"http_status":503})",
                          R"({"endpoint":"mark_tag","count":2,"errcode":-1})",
                          R"({"endpoint":"mark_tag","count":1,"delay_ms":1500})",
                          R"({"endpoint":"mark_tag","count":1,"drop":true})",
                          R"({"endpoint":"mark_tag","count":1,"body":"not json"})"};
  for (const char* f : faults) {
    CAPTURE(f);
    auto before = StatInt(h.Admin("/admin/stats"), {"calls", "mark_tag"});
    h.Admin("/admin/fault", f);
    auto r = RunCoroutine(h.io, h.client->MarkTag({rels[0].userid, rels[0].external_userid, {tag}, {}}));
    CHECK(r.ok());
    // The faulty answer(s) and then the success reached the server. (A drop on a kept-alive
    // connection is resent by the HTTP layer, the others by the WeCom layer's retry.)
    CHECK(StatInt(h.Admin("/admin/stats"), {"calls", "mark_tag"}) >= before + 2);
  }
  h.Admin("/admin/fault", R"({"endpoint":"get_corp_tag_list","count":10,"body":"not json"})");
  auto bad = RunCoroutine(h.io, h.client->GetCorpTagList());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("WeCom get_corp_tag_list: the response is not a JSON object") == 0);
  CHECK(bad.error().message.find("gave up after 4 attempts") != std::string::npos);
}

TEST_CASE("fake-wecom: 48002 and 60020 end with the operator's message - a wrong secret too") {
  Fake fake;
  Harness h(fake);
  h.Admin("/admin/fault", R"({"endpoint":"get_corp_tag_list","count":1,"errcode":48002})");
  auto r = RunCoroutine(h.io, h.client->GetCorpTagList());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kFatal);
  CHECK(r.error().message.find("WeCom refused the app: errcode 48002 on get_corp_tag_list, the app may not call") == 0);
  h.Admin("/admin/fault", R"({"endpoint":"mark_tag","count":1,"errcode":60020})");
  auto m = RunCoroutine(h.io, h.client->MarkTag({"u", "wm", {"et"}, {}}));
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().code == ErrorCode::kFatal);
  CHECK(m.error().message.find("企业可信IP") != std::string::npos);

  boost::asio::io_context io;
  Logger log(std::tmpfile());
  Options o = h.options;
  o.secret = "wrong-secret";
  auto wrong = WecomClient::Create(io, o, log);
  REQUIRE(wrong.ok());
  auto t = RunCoroutine(io, (*wrong)->GetFollowUserList());
  REQUIRE_FALSE(t.ok());
  CHECK(t.errcode() == 40001);
  CHECK(t.error().code == ErrorCode::kFatal);
  CHECK(t.error().message.find("wrong-secret") == std::string::npos);
}

TEST_CASE("fake-wecom: typed endpoints round-trip (tags, mark, groups, join and contact ways, messages)") {
  Fake fake;
  Harness h(fake);
  auto rels = h.Relationships();
  auto group = RunCoroutine(h.io, h.client->AddCorpTag({"", "会籍阶段", std::nullopt, {{"待转会员", std::nullopt}, {"会员", 5u}}}));
  REQUIRE(group.ok());
  REQUIRE(group->tags.size() == 2);
  std::string tag = group->tags[0].id;
  auto edited = RunCoroutine(h.io, h.client->EditCorpTag(tag, "待转会员2"));
  CHECK(edited.ok());
  auto listed = RunCoroutine(h.io, h.client->GetCorpTagList({}, {group->group_id}));
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->at(0).name == "会籍阶段");
  CHECK(std::any_of(listed->at(0).tags.begin(), listed->at(0).tags.end(),
                    [&](const Tag& t) { return t.id == tag && t.name == "待转会员2"; }));
  const auto& rel = rels[0];
  REQUIRE(RunCoroutine(h.io, h.client->MarkTag({rel.userid, rel.external_userid, {tag}, {}})).ok());
  auto page = RunCoroutine(h.io, h.client->BatchGetByUser({rel.userid}));
  REQUIRE(page.ok());
  bool found = false;
  for (const auto& r : page->relationships) {
    if (r.external_userid == rel.external_userid) {
      found = std::find(r.tag_ids.begin(), r.tag_ids.end(), tag) != r.tag_ids.end();
    }
  }
  CHECK(found);
  auto detail = RunCoroutine(h.io, h.client->GetExternalContact(rel.external_userid));
  REQUIRE(detail.ok());
  CHECK(detail->contact.external_userid == rel.external_userid);
  auto gone = RunCoroutine(h.io, h.client->MarkTag({rel.userid, "wm-nobody", {tag}, {}}));
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().klass == ErrorClass::kItem);
  auto del = RunCoroutine(h.io, h.client->DelCorpTag({group->tags[1].id}));
  CHECK(del.ok());

  ContactWay cw;
  cw.state = "C1000007";
  cw.user = {rel.userid};
  auto created = RunCoroutine(h.io, h.client->AddContactWay(cw));
  REQUIRE(created.ok());
  auto fetched = RunCoroutine(h.io, h.client->GetContactWay(created->config_id));
  REQUIRE(fetched.ok());
  CHECK(fetched->state == "C1000007");
  CHECK(RunCoroutine(h.io, h.client->DelContactWay(created->config_id)).ok());

  h.Admin("/admin/add_group_chat", "{\"chat_id\":\"wrTEST\",\"owner\":\"" + rel.userid + "\",\"name\":\"交流群\"}");
  auto chats = RunCoroutine(h.io, h.client->ListAllGroupChats({rel.userid}));
  REQUIRE(chats.ok());
  CHECK(std::any_of(chats->begin(), chats->end(), [](const GroupChatRef& c) { return c.chat_id == "wrTEST"; }));
  JoinWay jw;
  jw.chat_id_list = {"wrTEST"};
  jw.state = "seg1";
  auto config = RunCoroutine(h.io, h.client->AddJoinWay(jw));
  REQUIRE(config.ok());
  h.Admin("/admin/join_group", "{\"config_id\":\"" + *config + "\",\"external_userid\":\"" + rel.external_userid + "\"}");
  auto chat = RunCoroutine(h.io, h.client->GetGroupChat("wrTEST"));
  REQUIRE(chat.ok());
  CHECK(std::any_of(chat->members.begin(), chat->members.end(), [&](const GroupChatMember& m) {
    return m.userid == rel.external_userid && m.state == "seg1";
  }));
  auto way = RunCoroutine(h.io, h.client->GetJoinWay(*config));
  REQUIRE(way.ok());
  CHECK(way->state == "seg1");
  jw.config_id = *config;
  jw.remark = "updated";
  CHECK(RunCoroutine(h.io, h.client->UpdateJoinWay(jw)).ok());
  CHECK(RunCoroutine(h.io, h.client->DelJoinWay(*config)).ok());

  MsgTemplate msg;
  msg.sender = rel.userid;
  msg.tag_filter = {{tag}};
  msg.text = "新年转会员指南";
  auto sent = RunCoroutine(h.io, h.client->AddMsgTemplate(msg));
  REQUIRE(sent.ok());
  CHECK_FALSE(sent->msgid.empty());
  auto tasks = RunCoroutine(h.io, h.client->GetGroupMsgTask(sent->msgid));
  CHECK(tasks.ok());
  auto results = RunCoroutine(h.io, h.client->GetGroupMsgSendResult(sent->msgid, rel.userid));
  CHECK(results.ok());
}

}  // namespace segsync::wecom
