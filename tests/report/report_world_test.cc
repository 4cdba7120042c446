// The report tests' world (report_world.h). No test cases here.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <functional>
#include <thread>

#include <date/tz.h>
#include <fmt/format.h>

#include "report_world.h"

namespace segsync::report_test {

namespace {

constexpr const char* kState = R"({
 "members": ["staff001", "staff002"],
 "relationships": [
  {"userid":"staff001","external_userid":"wmC1000001","unionid":"oUC1000001","createtime":1700000060},
  {"userid":"staff001","external_userid":"wmC1000002","unionid":"oUC1000002","createtime":1700000120},
  {"userid":"staff002","external_userid":"wmC1000003","unionid":"oUC1000003","createtime":1700000180},
  {"userid":"staff002","external_userid":"wmC1000004","unionid":"oUC1000004","createtime":1700000240},
  {"userid":"staff001","external_userid":"wmC1000005","unionid":"oUC1000005","createtime":1700000300},
  {"userid":"staff002","external_userid":"wmC1000006","unionid":"oUC1000006","createtime":1700000360}
 ]})";

}  // namespace

std::string RulesYaml(const std::string& campaigns) {
  return std::string(R"(tag_groups:
  - name: 会籍阶段
    exclusive: true
    segments:
      - id: member
        tag: 会员
        when: status = "Member"
      - id: learner
        tag: 学员
        when: status = "Affiliate"
  - name: 城市
    segments:
      - id: city
        tag_from: city
        values: [Shanghai, Beijing]
)") + campaigns;
}

World::World(const std::string& campaigns, const std::string& extra_config, const std::string& schedule) {
  segsync::testing::WriteFile(dir_ / "state.json", kState);
  fake_ = std::make_unique<Fake>(std::vector<std::string>{"--state", dir_ / "state.json"});
  WriteRules(campaigns);
  segsync::testing::WriteFile(
      dir_ / "segsync.yaml",
      fmt::format("crm:\n  export: export.csv\nmapping: {}/mapping/affiliates.yaml\nrules: rules.yaml\n"
                  "timezone: Asia/Shanghai\nwecom:\n  corpid: wwfakecorp0000001\n  base_url: {}\n"
                  "  rate_per_minute: 100000\n  timeout_ms: 10000\n  block_seconds: 1\n"
                  "ledger: ledger.db\nschedule:\n  every: {}\n"
                  "guard:\n  max_removals: 100000\n  max_removal_ratio: 1.0\n  max_export_shrink_ratio: 1.0\n"
                  "kpi:\n  conversion: {{field: status, from: [Affiliate], to: [Member]}}\n{}",
                  SEGSYNC_SOURCE_DIR, fake_->base_url(), schedule, extra_config));
}

void World::WriteRules(const std::string& campaigns) {
  segsync::testing::WriteFile(dir_ / "rules.yaml", RulesYaml(campaigns));
}

void World::WriteExport(const std::vector<Person>& people) {
  std::string out =
      "ContactID,FirstName,LastName,Email,Mobile,WeChatUnionId,Status,ExamsPassed,PERMonths,EthicsModule,"
      "LastExamDate,SubscriptionPaidUntil,MemberSince,Country,Region,City,Employer,PreferredLanguage,"
      "SourceChannel,RegisteredAt,Interests\n";
  for (const auto& p : people) {
    std::string unionid = p.id == "C1000007" ? "" : "oU" + p.id;
    out += fmt::format("{0},Fn,Ln,{0}@example.org,,{1},{2},5,12,N,2026-01-10,2027-06-30,,China,East China,{3},"
                       "ACME,zh,referral,2025-03-01T10:00:00,audit\n",
                       p.id, unionid, p.status, p.city);
  }
  segsync::testing::WriteFile(dir_ / "export.csv", out);
}

RunResult World::Segsync(const std::string& command, const std::vector<std::string>& args, int expect_exit) {
  std::vector<std::string> a{command, "--config", config()};
  a.insert(a.end(), args.begin(), args.end());
  RunResult r = segsync::testing::RunSegsync(a, {{"SEGSYNC_WECOM_SECRET", kSecret}}, dir_.path());
  if (expect_exit >= 0)
    REQUIRE_MESSAGE(r.exit_code == expect_exit, command << ": exit " << r.exit_code << "\n" << r.out << r.err);
  return r;
}

std::unique_ptr<ChildProcess> World::StartDaemon() {
  return std::make_unique<ChildProcess>(std::vector<std::string>{SEGSYNC_BIN, "daemon", "--config", config()},
                                        std::map<std::string, std::string>{{"SEGSYNC_WECOM_SECRET", kSecret}},
                                        dir_.path());
}

int64_t SqlInt(const std::string& ledger, const std::string& sql) {
  SQLite::Database db(ledger, SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt64();
}

std::vector<std::string> SqlRows(const std::string& ledger, const std::string& sql) {
  SQLite::Database db(ledger, SQLite::OPEN_READONLY);
  SQLite::Statement q(db, sql);
  std::vector<std::string> out;
  while (q.executeStep()) {
    std::string row;
    for (int i = 0; i < q.getColumnCount(); ++i) {
      if (i) row += '|';
      row += q.getColumn(i).isNull() ? "<null>" : q.getColumn(i).getString();
    }
    out.push_back(row);
  }
  return out;
}

std::string TodayShanghai() {
  auto now = date::make_zoned(date::locate_zone("Asia/Shanghai"), std::chrono::system_clock::now());
  return date::format("%F", date::floor<date::days>(now.get_local_time()));
}

}  // namespace segsync::report_test
