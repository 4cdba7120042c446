// The daemon: a campaign touch dated today is created exactly once across a restart (the
// ledger's claim), and the live report at / and the KPI figures in /metrics match the ledger.
#include <doctest/doctest.h>

#include <csignal>
#include <sstream>

#include <fmt/format.h>

#include "report_world.h"

namespace segsync::report_test {

namespace {

int MetricsPort(const ChildProcess& p) {
  int port = 0;
  WaitFor(
      [&] {
        std::istringstream log(segsync::testing::ReadFile(p.stderr_path()));
        for (std::string line; std::getline(log, line);) {
          auto at = line.find(" port=");
          if (line.find("metrics server listening") != std::string::npos && at != std::string::npos)
            port = std::atoi(line.c_str() + at + 6);
        }
        return port > 0;
      },
      10000);
  return port;
}

int64_t FinishedRuns(const World& w) {
  try {
    return SqlInt(w.ledger(), "SELECT count(*) FROM run WHERE outcome = 'ok'");
  } catch (const std::exception&) {
    return 0;  // not created yet
  }
}

}  // namespace

TEST_CASE("daemon: a touch due today is created once across a restart and / and /metrics show it") {
  std::string today = TodayShanghai();
  std::string campaigns = fmt::format(
      "campaigns:\n  - name: Today\n    from: {0}\n    to: {0}\n    touches:\n"
      "      - date: {0}\n        segments: [learner]\n        message: 你好\n",
      today);
  World w(campaigns, "metrics:\n  listen: 127.0.0.1:0\n", "1s");
  w.WriteExport({{"C1000001", "Affiliate", "Shanghai"}, {"C1000002", "Member", "Beijing"}});

  auto first = w.StartDaemon();
  int port = MetricsPort(*first);
  REQUIRE(port > 0);
  REQUIRE_MESSAGE(WaitFor([&] { return FinishedRuns(w) >= 2; }, 20000), segsync::testing::ReadFile(first->stderr_path()));
  CHECK(Fake::Calls(w.fake().Stats(), "add_msg_template") == 1);

  auto page = segsync::testing::Http(port, "GET", "/");
  CHECK(page.status == 200);
  CHECK(page.content_type.find("text/html") != std::string::npos);
  CHECK(page.body.find("Segments, conversions and engagement") != std::string::npos);
  CHECK(page.body.find("task created") != std::string::npos);
  CHECK(page.body.find("live from the ledger") != std::string::npos);
  // /metrics has the report's figures once a run refreshed them.
  REQUIRE(WaitFor([&] {
    auto m = segsync::testing::Http(port, "GET", "/metrics").body;
    return m.find("segsync_campaign_touches{state=\"task created\"} 1") != std::string::npos;
  }, 10000));
  auto metrics = segsync::testing::Http(port, "GET", "/metrics").body;
  CHECK(metrics.find("segsync_identity_match_ratio 1") != std::string::npos);  // both found by unionid
  CHECK(metrics.find("segsync_segment_entered{segment=\"learner\",tag=\"学员\"}") != std::string::npos);
  first->Signal(SIGTERM);
  CHECK(first->Wait(15000) == 0);

  int64_t before = FinishedRuns(w);
  auto second = w.StartDaemon();
  REQUIRE(WaitFor([&] { return FinishedRuns(w) >= before + 2; }, 20000));
  second->Signal(SIGTERM);
  CHECK(second->Wait(15000) == 0);
  CHECK(Fake::Calls(w.fake().Stats(), "add_msg_template") == 1);
  CHECK(SqlRows(w.ledger(), "SELECT campaign, touch_date, msgid IS NOT NULL FROM campaign_touch") ==
        std::vector<std::string>{"Today|" + today + "|1"});
  CHECK(SqlInt(w.ledger(), "SELECT count(*) FROM audit WHERE action = 'campaign_touch' AND outcome = 'ok'") == 1);
}

}  // namespace segsync::report_test
