// The daemon e2e harness (harness.h): the workspace, log and metrics helpers. No test cases here.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "harness.h"

namespace segsync::daemon_e2e {

const char* const kSmallState = R"({
 "members": ["staff001", "staff002"],
 "relationships": [
  {"userid":"staff001","external_userid":"wmC1000001","unionid":"oUC1000001","createtime":1700000060},
  {"userid":"staff001","external_userid":"wmC1000002","unionid":"oUC1000002","createtime":1700000120},
  {"userid":"staff002","external_userid":"wmC1000003","unionid":"oUC1000003","createtime":1700000180}
 ]})";

std::string SmallExportCsv() {
  std::string out =
      "ContactID,FirstName,LastName,Email,Mobile,WeChatUnionId,Status,ExamsPassed,PERMonths,EthicsModule,"
      "LastExamDate,SubscriptionPaidUntil,MemberSince,Country,Region,City,Employer,PreferredLanguage,"
      "SourceChannel,RegisteredAt,Interests\n";
  const char* kStatus[] = {"Member", "Affiliate", "Lapsed"};
  for (int i = 1; i <= 3; ++i)
    out += fmt::format("C100000{0},Fn,Ln,c{0}@example.org,1380000000{0},oUC100000{0},{1},5,12,N,2026-01-10,"
                       "2027-06-30,,China,East China,Shanghai,ACME,zh,referral,2025-03-01T10:00:00,audit\n",
                       i, kStatus[i - 1]);
  return out;
}

std::string RulesYaml(const std::string& member_tag) {
  return fmt::format(R"(tag_groups:
  - name: 会籍阶段
    exclusive: true
    segments:
      - id: member
        tag: {}
        when: status = "Member"
      - id: learner
        tag: 学员
        when: status in [Affiliate, Member]
)",
                     member_tag);
}

std::map<std::string, std::set<std::string>> RelTags(const json::object& state) {
  std::map<std::string, std::string> live;  // tag id -> GROUP/TAG
  for (const auto& gv : state.at("tag_groups").as_array()) {
    const auto& g = gv.as_object();
    if (g.contains("deleted") && g.at("deleted").as_bool()) continue;
    std::string group(g.at("group_name").as_string());
    for (const auto& tv : g.at("tags").as_array()) {
      const auto& t = tv.as_object();
      if (t.contains("deleted") && t.at("deleted").as_bool()) continue;
      live[std::string(t.at("id").as_string())] = group + "/" + std::string(t.at("name").as_string());
    }
  }
  std::map<std::string, std::set<std::string>> out;
  for (const auto& rv : state.at("relationships").as_array()) {
    const auto& r = rv.as_object();
    auto& names = out[std::string(r.at("userid").as_string()) + "|" + std::string(r.at("external_userid").as_string())];
    if (!r.contains("tag_ids")) continue;
    for (const auto& t : r.at("tag_ids").as_array()) {
      auto it = live.find(std::string(t.as_string()));
      if (it != live.end()) names.insert(it->second);
    }
  }
  return out;
}

World::World(WorldOptions o) {
  std::vector<std::string> args = o.fake_args;
  if (!o.state_json.empty()) {
    segsync::testing::WriteFile(dir_ / "state.json", o.state_json);
    args.insert(args.end(), {"--state", dir_ / "state.json"});
  }
  fake_ = std::make_unique<Fake>(args);
  segsync::testing::WriteFile(rules(), RulesYaml());
  segsync::testing::WriteFile(export_csv(), SmallExportCsv());
  segsync::testing::WriteFile(
      config(),
      fmt::format("crm:\n  export: export.csv\nmapping: {}/mapping/affiliates.yaml\nrules: rules.yaml\n"
                  "timezone: Asia/Shanghai\nwecom:\n  corpid: wwfakecorp0000001\n  base_url: {}\n"
                  "  tag_relations: all\n  max_in_flight: {}\n  rate_per_minute: 100000\n  timeout_ms: 10000\n"
                  "  block_seconds: 1\nledger: ledger.db\nschedule:\n  every: {}\nguard:\n"
                  "  max_removals: 100000\n  max_removal_ratio: 1.0\nmetrics:\n  listen: 127.0.0.1:0\n",
                  SEGSYNC_SOURCE_DIR, fake_->base_url(), o.max_in_flight, o.every));
}

std::unique_ptr<ChildProcess> World::StartDaemon(std::map<std::string, std::string> env) {
  env.emplace("SEGSYNC_WECOM_SECRET", kSecret);
  return std::make_unique<ChildProcess>(
      std::vector<std::string>{SEGSYNC_BIN, "daemon", "--config", config()}, env, dir());
}

RunResult World::Segsync(const std::string& command, const std::vector<std::string>& args) {
  std::vector<std::string> a{command, "--config", config()};
  a.insert(a.end(), args.begin(), args.end());
  return segsync::testing::RunSegsync(a, {{"SEGSYNC_WECOM_SECRET", kSecret}}, dir());
}

json::array World::Runs() {
  RunResult r = Segsync("runs", {"--format", "json", "--last", "1000"});
  REQUIRE_MESSAGE(r.exit_code == 0, "runs: exit " << r.exit_code << " " << r.err);
  json::array runs = ParseObject(r.out).at("runs").as_array();
  std::sort(runs.begin(), runs.end(), [](const json::value& a, const json::value& b) {
    return a.as_object().at("id").to_number<int64_t>() < b.as_object().at("id").to_number<int64_t>();
  });
  return runs;
}

std::string DaemonLog(const ChildProcess& p) { return segsync::testing::ReadFile(p.stderr_path()); }

std::vector<std::string> LogLines(const std::string& log, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line))
    if (line.find(needle) != std::string::npos) out.push_back(line);
  return out;
}

int MetricsPort(const ChildProcess& p, int timeout_ms) {
  int port = 0;
  WaitFor(
      [&] {
        for (const auto& line : LogLines(DaemonLog(p), "metrics server listening")) {
          auto at = line.find(" port=");
          if (at != std::string::npos) port = std::atoi(line.c_str() + at + 6);
        }
        return port > 0;
      },
      timeout_ms);
  return port;
}

double MetricValue(const std::string& exposition, const std::string& series) {
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line))
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return -1;
}

}  // namespace segsync::daemon_e2e
