// End-to-end harness for the sync tests: the real `segsync` and `fake-wecom` binaries run as
// processes; the test writes the config, the CRM export and the fake's state, runs `segsync`,
// then asserts WeCom's state (GET /admin/state) and the ledger (read-only SQLite queries).
// Implemented in e2e_support_test.cc (only *_test.cc files are compiled into test_sync), so
// Beast stays out of the test files.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fake_wecom_client.h"
#include "test_support.h"

namespace segsync::e2e {

namespace json = boost::json;
using segsync::testing::RunResult;
// fake-wecom as a process and its admin API (tests/fake_wecom_client.h).
using segsync::testing::Fake;
using segsync::testing::Http;
using segsync::testing::HttpAnswer;
using segsync::testing::ParseObject;



using RelKey = std::string;  // "userid|external_userid"
using TagSet = std::set<std::string>;  // "GROUP/TAG"
// Live tags per relationship in a state answer, by name (every relationship is listed).
std::map<RelKey, TagSet> RelTags(const json::object& state);
// Live tag ids per relationship.
std::map<RelKey, std::set<std::string>> RelTagIds(const json::object& state);
// The live tag id of GROUP/TAG with that owner ("app" or "console"); empty when none.
std::string FindTagId(const json::object& state, const std::string& group, const std::string& tag,
                      const std::string& owner = "app");

// For failure messages: "rel: {a, b}; ..." (only relationships with tags).
std::string Describe(const std::map<RelKey, TagSet>& tags);

// One CRM row (columns of mapping/affiliates.yaml; the rest stay empty or fixed).
struct Row {
  std::string id;  // ContactID
  std::string unionid, mobile, status, city;
};
std::string ExportCsv(const std::vector<Row>& rows);
// Row i (1-based) of the generated corp (data contract identities) with a status and city
// chosen by (i + shift), so a second export with another shift moves many profiles to other
// segments (adds and removes).
Row GeneratedRow(int i, int shift = 0);
std::vector<Row> GeneratedRows(int n, int shift = 0);

// The ledger, read-only.
struct OwnedTag {
  std::string rel, tag_id, name;  // RelKey, WeCom tag id, GROUP/TAG
};
std::vector<OwnedTag> LedgerOwned(const std::string& ledger_path);  // live tags only
std::set<std::string> LedgerTagIds(const std::string& ledger_path);  // tags segsync created, live
int64_t LedgerCount(const std::string& ledger_path, const std::string& sql);
std::string LedgerIntegrity(const std::string& ledger_path);

// A test's world: a TempDir with segsync.yaml, rules.yaml, export.csv, the ledger, and a fake.
class World {
 public:
  // state_json: the fake's --state file content ("" for none); fake_args: more flags.
  World(const std::string& state_json, const std::vector<std::string>& fake_args = {},
        const std::string& guard_yaml = "  max_removals: 100000\n  max_removal_ratio: 1.0\n",
        const std::string& secret = "fake-secret-do-not-use", int max_in_flight = 5);
  Fake& fake() { return *fake_; }
  const std::string& dir() const { return dir_.path(); }
  std::string ledger() const { return dir_ / "ledger.db"; }
  std::string config() const { return dir_ / "segsync.yaml"; }
  void WriteExport(const std::vector<Row>& rows);
  void WriteExportText(const std::string& csv);
  // segsync COMMAND --config ... ARGS with SEGSYNC_WECOM_SECRET set.
  RunResult Segsync(const std::string& command, const std::vector<std::string>& args = {});
  // Asserts the ledger's owned tags equal the app-owned tags WeCom shows (item for item).
  void CheckLedgerMatchesWecom();

 private:
  segsync::testing::TempDir dir_;
  std::unique_ptr<Fake> fake_;
  std::string secret_;
};

// The rules used by every test: 会籍阶段 (exclusive: 会员 for Member, 学员 for Affiliate)
// and 城市 (tag_from city, values Shanghai, Beijing).
extern const char* const kRulesYaml;
// Expected tags of a row under kRulesYaml.
TagSet ExpectedTags(const Row& row);

}  // namespace segsync::e2e
