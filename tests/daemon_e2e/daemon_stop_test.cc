// End-to-end `segsync daemon`: SIGTERM in the middle of an apply. The daemon lets the calls on
// the wire finish, records the run as interrupted and exits 0 within 10 s; a following
// `segsync sync` converges and a second one makes no mutating call.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "harness.h"

namespace segsync::daemon_e2e {
namespace {

constexpr int kRows = 3000;

TEST_CASE("daemon e2e - SIGTERM during apply exits 0 within 10 s and the next sync converges") {
  WorldOptions o;
  o.state_json = "";
  o.fake_args = {"--generate", fmt::format("customers={},members=20,seed=1", kRows)};
  World w(o);
  // gen_export is built next to segsync (bench/*.cc executables land in the same directory).
  std::string gen = (std::filesystem::path(SEGSYNC_BIN).parent_path() / "gen_export").string();
  REQUIRE_MESSAGE(std::filesystem::exists(gen), gen << " is missing: build the gen_export target");
  RunResult g = segsync::testing::Run({gen, "--rows", std::to_string(kRows), "--seed", "1", "--out", w.export_csv()});
  REQUIRE_MESSAGE(g.exit_code == 0, g.err);

  // Every mark_tag answered 15 ms late: with 5 in flight, apply takes several seconds.
  w.fake().Admin("fault", {{"endpoint", "mark_tag"}, {"count", 100000}, {"delay_ms", 15}});
  auto d = w.StartDaemon();
  REQUIRE_MESSAGE(WaitFor([&] { return Fake::Calls(w.fake().Stats(), "mark_tag") > 0; }, 30000), DaemonLog(*d));
  // While the run goes on, the 1 s slots are skipped (never two runs at once) and counted, and
  // the daemon's HTTP side stays responsive.
  int port = MetricsPort(*d);
  REQUIRE(port > 0);
  CHECK_MESSAGE(WaitFor([&] { return !LogLines(DaemonLog(*d), "scheduled run skipped").empty(); }, 3000), DaemonLog(*d));
  std::string metrics = Http(port, "GET", "/metrics").body;
  CHECK(MetricValue(metrics, "segsync_run_in_progress") == 1);
  CHECK(MetricValue(metrics, "segsync_scheduled_runs_skipped_total") >= 1);
  CHECK(Http(port, "GET", "/healthz").status == 200);
  CHECK(LogLines(DaemonLog(*d), "run started").size() == 1);
  auto t0 = std::chrono::steady_clock::now();
  d->Signal(SIGTERM);
  int rc = d->Wait(10000);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string log = DaemonLog(*d);
  CHECK_MESSAGE(rc == 0, "exit " << rc << "\n" << log);
  MESSAGE("SIGTERM to exit: " << took << " s");
  CHECK(took < 10);
  CHECK(LogLines(log, "waiting for the run in progress to stop").size() == 1);
  CHECK(LogLines(log, "run did not stop in time").empty());
  auto finished = LogLines(log, "run finished");
  REQUIRE(finished.size() == 1);
  CHECK_MESSAGE(finished[0].find("outcome=interrupted") != std::string::npos, finished[0]);
  int64_t sent = Fake::Calls(w.fake().Stats(), "mark_tag");

  json::array runs = w.Runs();
  REQUIRE(runs.size() == 1);
  const json::object& run = runs[0].as_object();
  CHECK(run.at("outcome").as_string() == "interrupted");
  int64_t added = run.at("added").to_number<int64_t>();
  MESSAGE("mark_tag calls before the stop: " << sent << ", tags added by the interrupted run: " << added);
  CHECK(added > 0);
  CHECK(added <= sent);
  RunResult text = w.Segsync("runs");
  CHECK(text.out.find("interrupted") != std::string::npos);

  w.fake().Admin("clear_faults");
  RunResult s = w.Segsync("sync");
  REQUIRE_MESSAGE(s.exit_code == 0, "sync exit " << s.exit_code << "\n" << s.out << s.err.substr(0, 3000));
  // It had work left: the interrupted run did not finish the apply.
  runs = w.Runs();
  REQUIRE(runs.size() == 2);
  CHECK(runs[1].as_object().at("outcome").as_string() == "ok");
  CHECK(runs[1].as_object().at("added").to_number<int64_t>() > 0);
  CHECK(runs[1].as_object().at("failed").to_number<int64_t>() == 0);

  w.fake().Admin("reset_stats");
  RunResult again = w.Segsync("sync");
  CHECK(again.exit_code == 0);
  CHECK(Fake::Mutations(w.fake().Stats()) == 0);
}

}  // namespace
}  // namespace segsync::daemon_e2e
