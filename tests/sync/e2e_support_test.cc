// The e2e harness (e2e.h): the workspace, WeCom state and the ledger queries. No test cases here.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fmt/format.h>

#include "e2e.h"

namespace segsync::e2e {

const char* const kRulesYaml = R"(tag_groups:
  - name: 会籍阶段
    exclusive: true
    segments:
      - id: member
        tag: 会员
        when: status = "Member"
      - id: learner
        tag: 学员
        when: status in [Affiliate, Member]
  - name: 城市
    segments:
      - id: city
        tag_from: city
        values: [Shanghai, Beijing]
)";

TagSet ExpectedTags(const Row& row) {
  TagSet t;
  if (row.status == "Member") t.insert("会籍阶段/会员");
  else if (row.status == "Affiliate") t.insert("会籍阶段/学员");
  if (row.city == "Shanghai" || row.city == "Beijing") t.insert("城市/" + row.city);
  return t;
}

namespace {

// tag id -> {GROUP/TAG, owner} for live tags.
std::map<std::string, std::pair<std::string, std::string>> LiveTags(const json::object& state) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  for (const auto& gv : state.at("tag_groups").as_array()) {
    const auto& g = gv.as_object();
    if (g.contains("deleted") && g.at("deleted").as_bool()) continue;
    std::string group(g.at("group_name").as_string());
    for (const auto& tv : g.at("tags").as_array()) {
      const auto& t = tv.as_object();
      if (t.contains("deleted") && t.at("deleted").as_bool()) continue;
      out[std::string(t.at("id").as_string())] = {group + "/" + std::string(t.at("name").as_string()),
                                                  std::string(t.at("owner").as_string())};
    }
  }
  return out;
}

}  // namespace

std::map<RelKey, std::set<std::string>> RelTagIds(const json::object& state) {
  auto live = LiveTags(state);
  std::map<RelKey, std::set<std::string>> out;
  for (const auto& rv : state.at("relationships").as_array()) {
    const auto& r = rv.as_object();
    auto& ids = out[std::string(r.at("userid").as_string()) + "|" + std::string(r.at("external_userid").as_string())];
    if (!r.contains("tag_ids")) continue;
    for (const auto& t : r.at("tag_ids").as_array()) {
      std::string id(t.as_string());
      if (live.count(id)) ids.insert(id);
    }
  }
  return out;
}

std::map<RelKey, TagSet> RelTags(const json::object& state) {
  auto live = LiveTags(state);
  std::map<RelKey, TagSet> out;
  for (const auto& [rel, ids] : RelTagIds(state)) {
    auto& names = out[rel];
    for (const auto& id : ids) names.insert(live.at(id).first);
  }
  return out;
}

std::string Describe(const std::map<RelKey, TagSet>& tags) {
  std::string out;
  for (const auto& [rel, set] : tags) {
    if (set.empty()) continue;
    out += rel + ": {";
    bool first = true;
    for (const auto& t : set) {
      out += (first ? "" : ", ") + t;
      first = false;
    }
    out += "}; ";
  }
  return out.empty() ? "(no tags)" : out;
}

std::string FindTagId(const json::object& state, const std::string& group, const std::string& tag,
                      const std::string& owner) {
  for (const auto& [id, info] : LiveTags(state))
    if (info.first == group + "/" + tag && info.second == owner) return id;
  return "";
}

Row GeneratedRow(int i, int shift) {
  Row r;
  r.id = fmt::format("C{:07d}", 1000000 + i);
  r.mobile = fmt::format("138{:08d}", i);
  if (i % 10 <= 5) r.unionid = "oU" + r.id;
  static constexpr const char* kStatus[] = {"Member", "Affiliate", "Lapsed"};
  static constexpr const char* kCity[] = {"Shanghai", "Beijing", "Shenzhen", ""};
  r.status = kStatus[(i + shift) % 3];
  r.city = kCity[(i + shift) % 4];
  return r;
}

std::vector<Row> GeneratedRows(int n, int shift) {
  std::vector<Row> rows;
  rows.reserve(static_cast<size_t>(n));
  for (int i = 1; i <= n; ++i) rows.push_back(GeneratedRow(i, shift));
  return rows;
}

std::string ExportCsv(const std::vector<Row>& rows) {
  std::string out =
      "ContactID,FirstName,LastName,Email,Mobile,WeChatUnionId,Status,ExamsPassed,PERMonths,EthicsModule,"
      "LastExamDate,SubscriptionPaidUntil,MemberSince,Country,Region,City,Employer,PreferredLanguage,"
      "SourceChannel,RegisteredAt,Interests\n";
  for (const auto& r : rows) {
    out += fmt::format("{},Fn,Ln,{}@example.org,{},{},{},5,12,N,2026-01-10,2027-06-30,,China,East China,{},"
                       "ACME,zh,referral,2025-03-01T10:00:00,audit;tax\n",
                       r.id, r.id, r.mobile, r.unionid, r.status, r.city);
  }
  return out;
}

std::vector<OwnedTag> LedgerOwned(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement q(db,
                      "SELECT r.userid, r.external_userid, t.tag_id, t.group_name, t.tag_name "
                      "FROM owned_tag o JOIN relationship r ON r.id = o.relationship_id "
                      "JOIN tag t ON t.id = o.tag_ref WHERE t.deleted = 0 AND r.gone = 0");
  std::vector<OwnedTag> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getString() + "|" + q.getColumn(1).getString(), q.getColumn(2).getString(),
                   q.getColumn(3).getString() + "/" + q.getColumn(4).getString()});
  return out;
}

std::set<std::string> LedgerTagIds(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT tag_id FROM tag WHERE deleted = 0");
  std::set<std::string> out;
  while (q.executeStep()) out.insert(q.getColumn(0).getString());
  return out;
}

int64_t LedgerCount(const std::string& path, const std::string& sql) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt64();
}

std::string LedgerIntegrity(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("PRAGMA integrity_check").getString();
}

World::World(const std::string& state_json, const std::vector<std::string>& fake_args,
             const std::string& guard_yaml, const std::string& secret, int max_in_flight)
    : secret_(secret) {
  std::vector<std::string> args = fake_args;
  if (!state_json.empty()) {
    segsync::testing::WriteFile(dir_ / "state.json", state_json);
    args.insert(args.end(), {"--state", dir_ / "state.json"});
  }
  fake_ = std::make_unique<Fake>(args);
  segsync::testing::WriteFile(dir_ / "rules.yaml", kRulesYaml);
  segsync::testing::WriteFile(
      dir_ / "segsync.yaml",
      fmt::format("crm:\n  export: export.csv\nmapping: {}/mapping/affiliates.yaml\nrules: rules.yaml\n"
                  "timezone: Asia/Shanghai\nwecom:\n  corpid: wwfakecorp0000001\n  base_url: {}\n"
                  "  tag_relations: all\n  max_in_flight: {}\n  rate_per_minute: 100000\n  timeout_ms: 10000\n"
                  "  block_seconds: 1\nledger: ledger.db\nschedule:\n  every: 6h\nguard:\n{}",
                  SEGSYNC_SOURCE_DIR, fake_->base_url(), max_in_flight, guard_yaml));
}

void World::WriteExport(const std::vector<Row>& rows) { WriteExportText(ExportCsv(rows)); }
void World::WriteExportText(const std::string& csv) { segsync::testing::WriteFile(dir_ / "export.csv", csv); }

RunResult World::Segsync(const std::string& command, const std::vector<std::string>& args) {
  std::vector<std::string> a{command, "--config", config()};
  a.insert(a.end(), args.begin(), args.end());
  return segsync::testing::RunSegsync(a, {{"SEGSYNC_WECOM_SECRET", secret_}}, dir_.path());
}

void World::CheckLedgerMatchesWecom() {
  json::object state = fake_->State();
  std::set<std::string> ours = LedgerTagIds(ledger());
  std::set<std::pair<std::string, std::string>> on_wecom, in_ledger;
  for (const auto& [rel, ids] : RelTagIds(state))
    for (const auto& id : ids)
      if (ours.count(id)) on_wecom.insert({rel, id});
  for (const auto& o : LedgerOwned(ledger())) in_ledger.insert({o.rel, o.tag_id});
  // Every owned tag is on WeCom, and every segsync tag on WeCom is owned.
  for (const auto& p : in_ledger) CHECK_MESSAGE(on_wecom.count(p), "owned but not on WeCom: " << p.first << " " << p.second);
  for (const auto& p : on_wecom) CHECK_MESSAGE(in_ledger.count(p), "on WeCom but not owned: " << p.first << " " << p.second);
  // Every tag the ledger calls live is an app tag on WeCom.
  auto live = LiveTags(state);
  for (const auto& id : ours) {
    auto it = live.find(id);
    CHECK_MESSAGE((it != live.end() && it->second.second == "app"), "ledger tag not a live app tag: " << id);
  }
}

}  // namespace segsync::e2e
