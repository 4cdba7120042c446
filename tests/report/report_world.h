// The report tests' world: a TempDir with segsync.yaml (kpi.conversion Affiliate -> Member),
// rules.yaml (membership stage + city, optional campaigns), export.csv, ledger.db, and a
// fake-wecom process with six customers found by unionid. The real `segsync` binary runs the
// syncs (with --as-of) and the daemon. Implemented in report_world_test.cc (only *_test.cc
// files are compiled into test_report), so Beast stays out of the test files.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fake_wecom_client.h"
#include "test_support.h"

namespace segsync::report_test {

using segsync::testing::ChildProcess;
using segsync::testing::Fake;
using segsync::testing::RunResult;

inline constexpr const char* kSecret = "fake-secret-do-not-use";

struct Person {
  std::string id;      // C1000001 .. C1000007 (C1000007 has no WeCom customer)
  std::string status;  // Affiliate, Member, Lapsed, ...
  std::string city;    // Shanghai, Beijing, or empty
};

// member (status = Member), learner (status = Affiliate) in exclusive group 会籍阶段; city
// (tag_from city, values Shanghai and Beijing) in group 城市. `campaigns` is appended as is.
std::string RulesYaml(const std::string& campaigns = "");

class World {
 public:
  // `extra_config` is appended to segsync.yaml (e.g. "metrics:\n  listen: 127.0.0.1:0\n").
  explicit World(const std::string& campaigns = "", const std::string& extra_config = "",
                 const std::string& schedule = "6h");
  Fake& fake() { return *fake_; }
  const std::string& dir() const { return dir_.path(); }
  std::string ledger() const { return dir_ / "ledger.db"; }
  std::string config() const { return dir_ / "segsync.yaml"; }
  void WriteExport(const std::vector<Person>& people);
  void WriteRules(const std::string& campaigns);
  // segsync COMMAND --config ... ARGS with the secret set; REQUIREs the exit code when >= 0.
  RunResult Segsync(const std::string& command, const std::vector<std::string>& args = {},
                    int expect_exit = 0);
  std::unique_ptr<ChildProcess> StartDaemon();

 private:
  segsync::testing::TempDir dir_;
  std::unique_ptr<Fake> fake_;
};

// Read-only SQL on the ledger (independent of the Ledger class).
int64_t SqlInt(const std::string& ledger, const std::string& sql);
// Every row as strings (NULL as "<null>"), columns joined with '|'.
std::vector<std::string> SqlRows(const std::string& ledger, const std::string& sql);

using testing::WaitFor;

// The local date (Asia/Shanghai, the tests' zone) of now, YYYY-MM-DD.
std::string TodayShanghai();

}  // namespace segsync::report_test
