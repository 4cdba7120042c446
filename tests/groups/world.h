// The group-chat end-to-end tests' world (issue 6): a TempDir with segsync.yaml, rules with two
// group_chat segments, the CRM export and the ledger; fake-wecom with two members, six
// customers and the two chats. The real `segsync` binary runs against it.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fake_wecom_client.h"
#include "test_support.h"

namespace segsync::groups_test {

namespace json = boost::json;
using segsync::testing::Fake;
using segsync::testing::RunResult;

// Relationships (userid|external_userid, createtime):
//   staff001|wmC1 .. wmC4 (unionid oUC1..4), staff002|wmC5
//   wmC6: staff001 at 1700090000 and staff002 at 1700000600 (staff002 is the earlier one)
inline constexpr const char* kState = R"({
 "members": ["staff001", "staff002"],
 "relationships": [
  {"userid":"staff001","external_userid":"wmC1","unionid":"oUC1","createtime":1700000100},
  {"userid":"staff001","external_userid":"wmC2","unionid":"oUC2","createtime":1700000200},
  {"userid":"staff002","external_userid":"wmC3","unionid":"oUC3","createtime":1700000300},
  {"userid":"staff001","external_userid":"wmC4","unionid":"oUC4","createtime":1700000400},
  {"userid":"staff002","external_userid":"wmC5","unionid":"oUC5","createtime":1700000500},
  {"userid":"staff001","external_userid":"wmC6","unionid":"oUC6","createtime":1700090000},
  {"userid":"staff002","external_userid":"wmC6","unionid":"oUC6","createtime":1700000600}
 ]})";

inline constexpr const char* kReadyChat = "wrReadyChat0001";
inline constexpr const char* kMemberChat = "wrMemberChat001";

// `ready` (Affiliate) invites into kReadyChat, `members` (Member) into kMemberChat.
inline std::string RulesYaml(const std::string& ready_chats = kReadyChat, bool with_members = true) {
  std::string y = fmt::format(R"(tag_groups:
  - name: 会籍阶段
    segments:
      - id: ready
        tag: 待转会员
        when: status = "Affiliate"
        group_chat:
          chat_ids: [{}]
          invitation: "欢迎加入 ACCA 转会员交流群"
          link_title: "扫码入群"
          reinvite_after_days: 30
)", ready_chats);
  if (with_members)
    y += fmt::format(R"(      - id: members
        tag: 会员
        when: status = "Member"
        group_chat:
          chat_ids: [{}]
          invitation: "Members' group"
)", kMemberChat);
  return y;
}

// CRM rows: id n -> ContactID Cn, unionid oUCn.
inline std::string Export(const std::map<int, std::string>& status) {
  std::string out =
      "ContactID,FirstName,LastName,Email,Mobile,WeChatUnionId,Status,ExamsPassed,PERMonths,EthicsModule,"
      "LastExamDate,SubscriptionPaidUntil,MemberSince,Country,Region,City,Employer,PreferredLanguage,"
      "SourceChannel,RegisteredAt,Interests\n";
  for (const auto& [n, st] : status)
    out += fmt::format("C{},Fn,Ln,c{}@example.org,,oUC{},{},5,12,N,2026-01-10,2027-06-30,,China,East China,"
                       "Shanghai,ACME,zh,referral,2025-03-01T10:00:00,audit\n", n, n, n, st);
  return out;
}

class World {
 public:
  explicit World(int64_t max_invitations = 1000, const std::string& every = "6h") {
    segsync::testing::WriteFile(dir_ / "state.json", kState);
    fake_ = std::make_unique<Fake>(std::vector<std::string>{"--state", dir_ / "state.json"});
    fake_->Admin("add_group_chat", {{"owner", "staff001"}, {"chat_id", kReadyChat}, {"name", "转会员交流群"}});
    fake_->Admin("add_group_chat", {{"owner", "staff002"}, {"chat_id", kMemberChat}, {"name", "Members"}});
    WriteRules(RulesYaml());
    segsync::testing::WriteFile(
        dir_ / "segsync.yaml",
        fmt::format("crm:\n  export: export.csv\nmapping: {}/mapping/affiliates.yaml\nrules: rules.yaml\n"
                    "timezone: Asia/Shanghai\nwecom:\n  corpid: wwfakecorp0000001\n  base_url: {}\n"
                    "  tag_relations: all\n  rate_per_minute: 100000\n  timeout_ms: 10000\n"
                    "  block_seconds: 1\nledger: ledger.db\nschedule:\n  every: {}\nguard:\n"
                    "  max_removals: 100000\n  max_removal_ratio: 1.0\n  max_invitations: {}\n"
                    "metrics:\n  listen: 127.0.0.1:0\n",
                    SEGSYNC_SOURCE_DIR, fake_->base_url(), every, max_invitations));
  }
  Fake& fake() { return *fake_; }
  std::string ledger() const { return dir_ / "ledger.db"; }
  void WriteRules(const std::string& yaml) { segsync::testing::WriteFile(dir_ / "rules.yaml", yaml); }
  void WriteExport(const std::map<int, std::string>& status) {
    segsync::testing::WriteFile(dir_ / "export.csv", Export(status));
  }
  RunResult Segsync(const std::string& command, const std::vector<std::string>& args = {}) {
    std::vector<std::string> a{command, "--config", dir_ / "segsync.yaml"};
    a.insert(a.end(), args.begin(), args.end());
    return segsync::testing::RunSegsync(a, {{"SEGSYNC_WECOM_SECRET", "fake-secret-do-not-use"}}, dir_.path());
  }
  // `segsync daemon`, for its /metrics.
  std::unique_ptr<segsync::testing::ChildProcess> StartDaemon() {
    return std::make_unique<segsync::testing::ChildProcess>(
        std::vector<std::string>{SEGSYNC_BIN, "daemon", "--config", dir_ / "segsync.yaml"},
        std::map<std::string, std::string>{{"SEGSYNC_WECOM_SECRET", "fake-secret-do-not-use"}}, dir_.path());
  }
  // A sync that must end with `code`; returns stdout + stderr for messages.
  std::string Sync(int code = 0, const std::vector<std::string>& args = {}) {
    RunResult r = Segsync("sync", args);
    REQUIRE_MESSAGE(r.exit_code == code, "sync exit " << r.exit_code << "\nout: " << r.out << "\nerr: " << r.err);
    return r.out + r.err;
  }
  int64_t Count(const std::string& sql) {
    SQLite::Database db(ledger(), SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getInt64();
  }
  std::string Text(const std::string& sql) {
    SQLite::Database db(ledger(), SQLite::OPEN_READONLY);
    auto v = db.execAndGet(sql);
    return v.isNull() ? std::string() : v.getString();
  }

 private:
  segsync::testing::TempDir dir_;
  std::unique_ptr<Fake> fake_;
};

// The app's msg templates in WeCom's state: sender -> sorted external_userids, per text.
using Tasks = std::map<std::string, std::vector<std::string>>;
inline Tasks TasksOf(const json::object& state, const std::string& text) {
  Tasks out;
  for (const auto& v : state.at("msg_templates").as_array()) {
    const auto& m = v.as_object();
    if (m.at("text").as_string() != text.c_str()) continue;
    auto& list = out[std::string(m.at("sender").as_string())];
    for (const auto& r : m.at("results").as_array())
      list.emplace_back(r.as_object().at("external_userid").as_string());
    std::sort(list.begin(), list.end());
  }
  return out;
}

inline std::string Describe(const Tasks& t) {
  std::string s;
  for (const auto& [k, v] : t) {
    s += k + ": [";
    for (const auto& e : v) s += e + " ";
    s += "] ";
  }
  return s;
}

inline const char* kReadyText = "欢迎加入 ACCA 转会员交流群";
inline const char* kMembersText = "Members' group";

inline json::object ParseJson(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  REQUIRE_MESSAGE(!ec, "not JSON: " << text);
  REQUIRE(v.is_object());
  return v.get_object();
}

// The `runs --format json` group_chats entry of a segment.
inline json::object GroupStats(World& w, const std::string& segment) {
  RunResult r = w.Segsync("runs", {"--format", "json"});
  REQUIRE(r.exit_code == 0);
  json::object j = ParseJson(r.out);
  REQUIRE_MESSAGE(j.contains("group_chats"), r.out);
  for (const auto& g : j.at("group_chats").as_array())
    if (g.as_object().at("segment").as_string() == segment.c_str()) return g.as_object();
  FAIL("no group_chats entry for " << segment << ": " << r.out);
  return {};
}

// The value of the /metrics sample `series` (exact name and labels) once the daemon serves it;
// -1 when it did not appear within `timeout_ms`.
inline double ScrapeWhenPresent(const segsync::testing::ChildProcess& daemon, const std::string& series,
                                int timeout_ms = 15000) {
  int port = 0;
  for (int waited = 0; waited < timeout_ms; waited += 100) {
    if (port == 0) {
      std::string log = segsync::testing::ReadFile(daemon.stderr_path());
      auto at = log.find("metrics server listening");
      if (at != std::string::npos) {
        auto p = log.find(" port=", at);
        if (p != std::string::npos) port = std::atoi(log.c_str() + p + 6);
      }
    }
    if (port > 0) {
      std::string body = segsync::testing::Http(port, "GET", "/metrics").body;
      auto at = body.find("\n" + series + " ");
      if (at != std::string::npos) return std::stod(body.substr(at + series.size() + 2));
    }
    usleep(100 * 1000);
  }
  return -1;
}

inline int64_t Int(const json::object& o, const char* key) { return o.at(key).to_number<int64_t>(); }

}  // namespace segsync::groups_test
