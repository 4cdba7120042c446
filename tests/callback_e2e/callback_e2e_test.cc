// End to end, issue 9: the real `segsync daemon` with a callback listener and fake-wecom that
// POSTs encrypted events to it. A simulated QR scan (contact-me code) tags the new relationship
// within 2 seconds through a one-profile run; a replayed request and a forged signature change
// nothing; WeCom's re-signed retry is dropped as a duplicate; an unknown contact-me state is
// recorded as unmatched; a customer deleting the member marks the relationship gone; a console
// tag change drops the cached library; the full sync afterwards has nothing to do.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "fake_wecom_client.h"
#include "ledger/ledger.h"
#include "test_support.h"
#include "wecom/callback_crypto.h"

namespace segsync::callback_e2e {
namespace {

namespace json = boost::json;
using segsync::testing::ChildProcess;
using segsync::testing::Fake;
using segsync::testing::Http;
using segsync::testing::ParseObject;
using segsync::testing::WaitFor;
using segsync::testing::WriteFile;
using Clock = std::chrono::steady_clock;

constexpr const char* kSecret = "fake-secret-do-not-use";
constexpr const char* kCorp = "wwfakecorp0000001";
constexpr const char* kToken = "QDG6eK9token";
constexpr const char* kAesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

// Three relationships found by unionid; two contact-me codes: C1000004 (a profile of the
// export without unionid) and C9999999 (nobody in the export).
const char* const kState = R"({
 "members": ["staff001", "staff002"],
 "relationships": [
  {"userid":"staff001","external_userid":"wmC1000001","unionid":"oUC1000001","createtime":1700000060},
  {"userid":"staff001","external_userid":"wmC1000002","unionid":"oUC1000002","createtime":1700000120},
  {"userid":"staff002","external_userid":"wmC1000003","unionid":"oUC1000003","createtime":1700000180}
 ],
 "contact_ways": [
  {"config_id":"cw-event-qr","type":1,"scene":2,"state":"C1000004","user":["staff001"]},
  {"config_id":"cw-stranger","type":1,"scene":2,"state":"C9999999","user":["staff002"]}
 ]})";

std::string ExportCsv() {
  std::string out =
      "ContactID,FirstName,LastName,Email,Mobile,WeChatUnionId,Status,ExamsPassed,PERMonths,EthicsModule,"
      "LastExamDate,SubscriptionPaidUntil,MemberSince,Country,Region,City,Employer,PreferredLanguage,"
      "SourceChannel,RegisteredAt,Interests\n";
  const char* kStatus[] = {"Member", "Affiliate", "Lapsed", "Member"};
  for (int i = 1; i <= 4; ++i)
    out += fmt::format("C100000{0},Fn,Ln,c{0}@example.org,1380000000{0},{2},{1},5,12,N,2026-01-10,"
                       "2027-06-30,,China,East China,Shanghai,ACME,zh,event,2025-03-01T10:00:00,audit\n",
                       i, kStatus[i - 1], i < 4 ? fmt::format("oUC100000{}", i) : "");
  return out;
}

constexpr const char* kRules = R"(tag_groups:
  - name: 会籍阶段
    exclusive: true
    segments:
      - id: member
        tag: 会员
        when: status = "Member"
      - id: learner
        tag: 学员
        when: status in [Affiliate, Member]
)";

std::vector<std::string> LogLines(const std::string& log, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line))
    if (line.find(needle) != std::string::npos) out.push_back(line);
  return out;
}

int PortFromLog(const ChildProcess& d, const std::string& needle) {
  int port = 0;
  WaitFor([&] {
    for (const auto& line : LogLines(testing::ReadFile(d.stderr_path()), needle)) {
      auto at = line.find(" port=");
      if (at != std::string::npos) port = std::atoi(line.c_str() + at + 6);
    }
    return port > 0;
  }, 10000);
  return port;
}

double Metric(int port, const std::string& series) {
  std::istringstream in(Http(port, "GET", "/metrics").body);
  std::string line;
  while (std::getline(in, line))
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return 0;
}

// GROUP/TAG names on one relationship, from the fake's state.
std::set<std::string> TagsOn(Fake& fake, const std::string& userid, const std::string& ext) {
  json::object state = fake.State();
  std::map<std::string, std::string> live;
  for (const auto& gv : state.at("tag_groups").as_array()) {
    const auto& g = gv.as_object();
    for (const auto& tv : g.at("tags").as_array()) {
      const auto& t = tv.as_object();
      if (t.contains("deleted") && t.at("deleted").as_bool()) continue;
      live[std::string(t.at("id").as_string())] =
          std::string(g.at("group_name").as_string()) + "/" + std::string(t.at("name").as_string());
    }
  }
  std::set<std::string> out;
  for (const auto& rv : state.at("relationships").as_array()) {
    const auto& r = rv.as_object();
    if (r.at("userid").as_string() != userid || r.at("external_userid").as_string() != ext) continue;
    if (r.contains("tag_ids"))
      for (const auto& t : r.at("tag_ids").as_array())
        if (auto it = live.find(std::string(t.as_string())); it != live.end()) out.insert(it->second);
  }
  return out;
}

json::array Runs(const testing::TempDir& dir) {
  auto r = testing::RunSegsync({"runs", "--config", dir / "segsync.yaml", "--format", "json", "--last", "100"}, {}, dir.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json::array runs = ParseObject(r.out).at("runs").as_array();
  std::sort(runs.begin(), runs.end(), [](const json::value& a, const json::value& b) {
    return a.as_object().at("id").to_number<int64_t>() < b.as_object().at("id").to_number<int64_t>();
  });
  return runs;
}

std::string Str(const json::value& v, const char* key) { return std::string(v.as_object().at(key).as_string()); }
int64_t Int(const json::value& v, const char* key) { return v.as_object().at(key).to_number<int64_t>(); }

}  // namespace

TEST_CASE("callback e2e - a QR scan is tagged within 2 s - replays forgeries and retries change nothing") {
  testing::TempDir dir;
  WriteFile(dir / "state.json", kState);
  Fake fake({"--state", dir / "state.json"});
  WriteFile(dir / "export.csv", ExportCsv());
  WriteFile(dir / "rules.yaml", kRules);
  WriteFile(dir / "token", kToken);
  WriteFile(dir / "aes-key", kAesKey);
  ::chmod((dir / "token").c_str(), 0600);
  ::chmod((dir / "aes-key").c_str(), 0600);
  WriteFile(dir / "segsync.yaml",
            fmt::format("crm:\n  export: export.csv\nmapping: {}/mapping/affiliates.yaml\nrules: rules.yaml\n"
                        "timezone: Asia/Shanghai\nwecom:\n  corpid: {}\n  base_url: {}\n  rate_per_minute: 100000\n"
                        "ledger: ledger.db\nschedule:\n  every: 6h\nguard:\n  max_removals: 100000\n"
                        "  max_removal_ratio: 1.0\nmetrics:\n  listen: 127.0.0.1:0\ncallback:\n"
                        "  listen: 127.0.0.1:0\n  path: /wecom/callback\n  token_file: token\n"
                        "  encoding_aes_key_file: aes-key\n",
                        SEGSYNC_SOURCE_DIR, kCorp, fake.base_url()));
  ChildProcess daemon({SEGSYNC_BIN, "daemon", "--config", dir / "segsync.yaml"},
                      {{"SEGSYNC_WECOM_SECRET", kSecret}}, dir.path());
  auto log = [&] { return testing::ReadFile(daemon.stderr_path()); };
  int metrics = PortFromLog(daemon, "metrics server listening");
  int port = PortFromLog(daemon, "callback listener listening");
  REQUIRE_MESSAGE(port > 0, log());
  // The start-up run tags the three relationships found by unionid.
  REQUIRE_MESSAGE(WaitFor([&] { return !LogLines(log(), "run finished").empty(); }, 20000), log());
  REQUIRE(TagsOn(fake, "staff001", "wmC1000001") == std::set<std::string>{"会籍阶段/会员"});

  auto crypto = wecom::CallbackCrypto::Create(kToken, kAesKey, kCorp);
  REQUIRE(crypto.ok());
  std::string now = std::to_string(std::time(nullptr));

  // 1. The console's URL verification (GET): the decrypted echostr comes back.
  {
    std::string echo = crypto->Encrypt("8675309-echo", "0123456789abcdef");
    std::string esc;
    for (char c : echo) esc += c == '+' ? "%2B" : c == '/' ? "%2F" : c == '=' ? "%3D" : std::string(1, c);
    auto a = Http(port, "GET", fmt::format("/wecom/callback?msg_signature={}&timestamp={}&nonce=v1&echostr={}",
                                           crypto->Signature(now, "v1", echo), now, esc));
    CHECK(a.status == 200);
    CHECK(a.body == "8675309-echo");
  }

  // 2. A QR scan at an event: fake-wecom POSTs add_external_contact; tags within 2 s.
  fake.Admin("callback", {{"url", fmt::format("http://127.0.0.1:{}/wecom/callback", port)},
                          {"token", kToken}, {"encoding_aes_key", kAesKey}});
  size_t runs_before = Runs(dir).size();
  auto t0 = Clock::now();
  fake.Admin("scan_contact_way", {{"config_id", "cw-event-qr"}, {"external_userid", "wmNEW0004"}});
  bool tagged = WaitFor([&] { return TagsOn(fake, "staff001", "wmNEW0004") == std::set<std::string>{"会籍阶段/会员"}; }, 5000);
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  REQUIRE_MESSAGE(tagged, log());
  CHECK_MESSAGE(seconds < 2.0, "tagged after " << seconds << " s");
  MESSAGE("QR scan -> tags on WeCom: " << fmt::format("{:.0f}", seconds * 1000) << " ms");
  json::array runs;
  REQUIRE(WaitFor([&] { runs = Runs(dir); return runs.size() == runs_before + 1 && Str(runs.back(), "outcome") != "running"; }, 3000));
  CHECK(Str(runs.back(), "kind") == "callback");
  CHECK(Str(runs.back(), "outcome") == "ok");
  CHECK(Int(runs.back(), "added") == 1);
  CHECK(Int(runs.back(), "matched") == 1);
  json::array sent = fake.Admin("callbacks").at("sent").as_array();
  REQUIRE(sent.size() == 1);
  CHECK(Int(sent[0], "status") == 200);
  CHECK(Str(sent[0], "answer") == "success");
  CHECK(Metric(metrics, "segsync_callback_events_total{type=\"add_external_contact\"}") == 1);
  CHECK(Metric(metrics, "segsync_callback_handled_total{outcome=\"tagged\"}") == 1);
  CHECK(Metric(metrics, "segsync_callback_handled_within_seconds_total{le=\"2\"}") == 1);

  // 3. The same request again, byte for byte (a replay): acknowledged, refused, nothing runs.
  int64_t mutations = Fake::Mutations(fake.Stats());
  auto replay = Http(port, "POST", Str(sent[0], "target"), Str(sent[0], "body"));
  CHECK(replay.status == 200);
  CHECK(Metric(metrics, "segsync_callback_refused_total{reason=\"replayed_nonce\"}") == 1);
  // 4. A forged signature: refused with 403 before anything is decrypted.
  std::string forged = Str(sent[0], "target");
  size_t at = forged.find("msg_signature=") + 14;
  forged[at] = forged[at] == 'a' ? 'b' : 'a';
  auto forged_answer = Http(port, "POST", forged, Str(sent[0], "body"));
  CHECK(forged_answer.status == 403);
  CHECK(Metric(metrics, "segsync_callback_refused_total{reason=\"bad_signature\"}") == 1);
  CHECK(!LogLines(log(), "reason=bad_signature").empty());
  // 5. WeCom's retry of the same event, re-signed under a new nonce: a duplicate, dropped.
  std::string body = Str(sent[0], "body");
  size_t b = body.find("<![CDATA[", body.find("<Encrypt>")) + 9;
  std::string encrypt = body.substr(b, body.find("]]>", b) - b);
  auto retry = Http(port, "POST", fmt::format("/wecom/callback?msg_signature={}&timestamp={}&nonce=retry2",
                                              crypto->Signature(now, "retry2", encrypt), now), body);
  CHECK(retry.status == 200);
  CHECK(retry.body == "success");
  CHECK(Metric(metrics, "segsync_callback_duplicates_total") == 1);
  // 6. Malformed XML and an oversized body are refused too.
  CHECK(Http(port, "POST", "/wecom/callback?msg_signature=x&timestamp=1&nonce=n", "<xml><Encrypt>").status == 400);
  CHECK(Http(port, "POST", "/wecom/callback?msg_signature=x&timestamp=1&nonce=n", std::string(100 * 1024, 'x')).status == 413);
  CHECK(Metric(metrics, "segsync_callback_refused_total{reason=\"malformed_xml\"}") == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(Runs(dir).size() == runs_before + 1);
  CHECK(Fake::Mutations(fake.Stats()) == mutations);

  // 7. A contact-me code nobody in the export has: recorded as unmatched, no tags.
  fake.Admin("scan_contact_way", {{"config_id", "cw-stranger"}, {"external_userid", "wmSTRANGER"}});
  REQUIRE_MESSAGE(WaitFor([&] { return !LogLines(log(), "outcome=unmatched").empty(); }, 5000), log());
  runs = Runs(dir);
  CHECK(Str(runs.back(), "kind") == "callback");
  CHECK(Int(runs.back(), "unmatched") == 1);
  CHECK(Int(runs.back(), "added") == 0);
  CHECK(TagsOn(fake, "staff002", "wmSTRANGER").empty());

  // 8. The customer deletes the member: the relationship is gone in the ledger.
  fake.Admin("delete_relationship", {{"userid", "staff001"}, {"external_userid", "wmC1000002"}, {"by", "customer"}});
  REQUIRE_MESSAGE(WaitFor([&] { return !LogLines(log(), "type=del_follow_user").empty() &&
                                       !LogLines(log(), "outcome=gone").empty(); }, 5000), log());
  {
    Logger quiet(stderr);
    auto ledger = Ledger::Open(dir / "ledger.db", quiet);
    REQUIRE(ledger.ok());
    auto rels = (*ledger)->LoadRelationships(true);
    REQUIRE(rels.ok());
    bool gone = false;
    for (const auto& r : *rels)
      if (r.external_userid == "wmC1000002") gone = r.gone && r.gone_reason.find("del_follow_user") != std::string::npos;
    CHECK(gone);
  }
  // 9. A tag added in the console: the cached tag library is dropped.
  fake.Admin("console/add_tag", {{"group_name", "渠道"}, {"tag", "展会"}});
  CHECK(WaitFor([&] { return !LogLines(log(), "outcome=library").empty(); }, 5000));

  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(10000) == 0);

  // 10. The full run afterwards finds nothing to do: zero mutating calls.
  fake.Admin("reset_stats");
  auto sync = testing::RunSegsync({"sync", "--config", dir / "segsync.yaml"}, {{"SEGSYNC_WECOM_SECRET", kSecret}}, dir.path());
  CHECK_MESSAGE(sync.exit_code == 0, sync.err);
  CHECK(Fake::Mutations(fake.Stats()) == 0);
  runs = Runs(dir);
  CHECK(Str(runs.back(), "kind") == "manual");
  CHECK(Int(runs.back(), "added") + Int(runs.back(), "removed") == 0);
  CHECK(TagsOn(fake, "staff001", "wmNEW0004") == std::set<std::string>{"会籍阶段/会员"});
}

}  // namespace segsync::callback_e2e
