// End-to-end harness for `segsync daemon`: the real daemon and fake-wecom binaries run as child
// processes on 127.0.0.1; the test writes the config, rules and export into its own TempDir,
// reads the daemon's log (its stderr), scrapes /metrics and /healthz, and asks the fake for
// WeCom's state. Implemented in harness_support_test.cc (only *_test.cc files are compiled into
// test_daemon_e2e), so Beast stays out of the test files. Adapted from tests/sync/e2e.h.
#pragma once

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fake_wecom_client.h"
#include "test_support.h"

namespace segsync::daemon_e2e {

namespace json = boost::json;
using segsync::testing::ChildProcess;
using segsync::testing::RunResult;
// fake-wecom as a process and its admin API (tests/fake_wecom_client.h).
using segsync::testing::Fake;
using segsync::testing::Http;
using segsync::testing::HttpAnswer;
using segsync::testing::ParseObject;

inline constexpr const char* kSecret = "fake-secret-do-not-use";


using testing::WaitFor;


// Live tag names ("GROUP/TAG") per relationship ("userid|external_userid") in a state answer.
std::map<std::string, std::set<std::string>> RelTags(const json::object& state);

// The small corp every test uses unless it generates one: two members, three relationships
// found by unionid (C1000001 Member, C1000002 Affiliate, C1000003 Lapsed).
extern const char* const kSmallState;
std::string SmallExportCsv();

// One membership group: 会籍阶段/<member_tag> for status Member, 会籍阶段/学员 for Affiliate.
std::string RulesYaml(const std::string& member_tag = "会员");

struct WorldOptions {
  std::string state_json = kSmallState;     // the fake's --state ("" for none)
  std::vector<std::string> fake_args;       // more fake-wecom flags
  std::string every = "1s";
  std::string max_in_flight = "5";
};

// A test's world: TempDir with segsync.yaml, rules.yaml, export.csv, ledger.db and a fake.
class World {
 public:
  explicit World(WorldOptions options = {});
  Fake& fake() { return *fake_; }
  const std::string& dir() const { return dir_.path(); }
  std::string config() const { return dir_ / "segsync.yaml"; }
  std::string rules() const { return dir_ / "rules.yaml"; }
  std::string export_csv() const { return dir_ / "export.csv"; }

  // Starts `segsync daemon --config ...` with SEGSYNC_WECOM_SECRET (kSecret unless `env` says
  // otherwise) plus `env`.
  std::unique_ptr<ChildProcess> StartDaemon(std::map<std::string, std::string> env = {});
  // segsync COMMAND --config ... ARGS with the secret set.
  RunResult Segsync(const std::string& command, const std::vector<std::string>& args = {});
  // `segsync runs --format json --last 1000`, oldest first.
  json::array Runs();

 private:
  segsync::testing::TempDir dir_;
  std::unique_ptr<Fake> fake_;
};

// The daemon's log so far.
std::string DaemonLog(const ChildProcess& p);
// Lines of the log containing `needle`.
std::vector<std::string> LogLines(const std::string& log, const std::string& needle);
// The port of "metrics server listening: ... port=N", waiting for it up to timeout_ms; 0 if none.
int MetricsPort(const ChildProcess& p, int timeout_ms = 10000);
// Value of a metric sample line "NAME{LABELS} VALUE" (exact name with labels); -1 when absent.
double MetricValue(const std::string& exposition, const std::string& series);

}  // namespace segsync::daemon_e2e
