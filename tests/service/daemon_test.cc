// The daemon with fake run and reload functions on a 1-second schedule: runs on time, a
// skipped slot when a run overruns, SIGHUP reloads (failing and good), SIGTERM during a run,
// the start-up rule, sd_notify messages, and /healthz, /metrics, / through the daemon.
#include <csignal>

#include "daemon_harness.h"
#include "http_client.h"

namespace segsync {
namespace {

using namespace std::chrono_literals;
using testing::DaemonHarness;
using testing::HttpGet;
using testing::NotifySocket;
using testing::StatusOf;
using testing::BodyOf;

TEST_CASE("daemon: scheduled runs happen on time, one per slot") {
  DaemonHarness h("1s");
  h.Start();
  REQUIRE(h.daemon().ready());
  REQUIRE(h.WaitRuns(3, 5000));
  raise(SIGTERM);
  CHECK(h.Join() == 0);
  auto runs = h.runs();
  REQUIRE(runs.size() >= 3);
  for (size_t i = 0; i < runs.size(); ++i) {
    CAPTURE(i);
    CHECK(runs[i].kind == "scheduled");
    CHECK(runs[i].sequence == static_cast<int64_t>(i + 1));
    auto late = runs[i].started - std::chrono::system_clock::time_point(runs[i].slot);
    CHECK(late >= 0ms);
    CHECK(late < 900ms);  // generous: the test machine is shared
    if (i > 0) CHECK(runs[i].slot - runs[i - 1].slot >= 1s);
    if (i > 0) CHECK(runs[i].slot - runs[i - 1].slot <= 2s);
  }
  CHECK(h.daemon().metrics().runs.Value({"success"}) >= 3);
  CHECK(h.daemon().metrics().scheduled_runs_skipped.Value() == 0);
  CHECK(h.Log().find("<6>run finished: run=1 outcome=success exit_code=0") != std::string::npos);
}

TEST_CASE("daemon: an overrunning run causes counted skips, not a second run") {
  DaemonHarness h("1s");
  std::atomic<int> active{0}, max_active{0};
  h.body = [&](const RunRequest& req, std::stop_token stop, ProgressSink&) {
    int now = ++active;
    max_active = std::max(max_active.load(), now);
    if (req.sequence == 1)
      for (int i = 0; i < 250 && !stop.stop_requested(); ++i) std::this_thread::sleep_for(10ms);
    --active;
    return DaemonRunResult{0, "ok"};
  };
  h.Start();
  REQUIRE(h.WaitRuns(2, 6000));
  h.daemon().RequestStop();
  CHECK(h.Join() == 0);
  CHECK(max_active == 1);
  double skipped = h.daemon().metrics().scheduled_runs_skipped.Value();
  CHECK(skipped >= 1);
  CHECK(skipped <= 3);
  CHECK(h.Log().find("scheduled run skipped: the previous run is still in progress") != std::string::npos);
}

TEST_CASE("daemon: SIGHUP reload keeps the running set on errors and applies a good one next run") {
  NotifySocket notify;
  REQUIRE(notify.bound());
  DaemonHarness h("1s");
  std::atomic<bool> release{false};
  std::atomic<int> first_run_version_at_end{0};
  h.body = [&](const RunRequest& req, std::stop_token stop, ProgressSink&) {
    if (req.sequence == 1) {
      while (!release && !stop.stop_requested()) std::this_thread::sleep_for(5ms);
      first_run_version_at_end = req.As<testing::TestWorkspace>().version;
    }
    return DaemonRunResult{0, "ok"};
  };
  h.Start();
  REQUIRE(h.WaitRuns(1, 3000));
  REQUIRE(notify.WaitForExact("READY=1"));

  // A failing reload during the run: every diagnostic logged, counted, old set kept.
  h.reload_fails = true;
  h.version = 2;
  raise(SIGHUP);
  REQUIRE(DaemonHarness::Eventually([&] { return h.daemon().metrics().reload_failures.Value() == 1; }));
  CHECK(notify.WaitForPrefix("RELOADING=1\nMONOTONIC_USEC="));
  std::string log = h.Log();
  CHECK(log.find("<3>rules/vip.yaml:12:7: error: unknown operator 'contians': hint=\"did you mean 'contains'?\"") != std::string::npos);
  CHECK(log.find("<3>mapping/a.yaml:3:1: error: unknown type 'nit'\n") != std::string::npos);
  CHECK(log.find("keeping the running configuration") != std::string::npos);

  // A good reload, still during run 1: the run keeps its set; the next run gets the new one.
  h.reload_fails = false;
  h.version = 3;
  raise(SIGHUP);
  REQUIRE(DaemonHarness::Eventually([&] { return h.daemon().metrics().reloads.Value() == 1; }));
  CHECK(h.reload_calls == 3);
  release = true;
  REQUIRE(h.WaitRuns(2, 4000));
  h.daemon().RequestStop();
  CHECK(h.Join() == 0);
  auto runs = h.runs();
  CHECK(runs[0].version == 1);
  CHECK(first_run_version_at_end == 1);
  CHECK(runs[1].version == 3);
  CHECK(h.daemon().metrics().reload_failures.Value() == 1);
  // READY=1 again after each reload.
  notify.Drain(200);
  int ready = 0;
  for (const auto& m : notify.messages()) ready += m == "READY=1";
  CHECK(ready >= 2);
}

TEST_CASE("daemon: SIGTERM during a run stops it and exits well within 10 s") {
  NotifySocket notify;
  DaemonHarness h("1s");
  std::atomic<bool> saw_stop{false};
  h.body = [&](const RunRequest&, std::stop_token stop, ProgressSink&) {
    while (!stop.stop_requested()) std::this_thread::sleep_for(5ms);
    saw_stop = true;
    std::this_thread::sleep_for(700ms);  // the in-flight call finishes
    return DaemonRunResult{0, "interrupted after 10 calls", false, true};
  };
  h.Start();
  REQUIRE(h.WaitRuns(1, 3000));
  auto start = std::chrono::steady_clock::now();
  raise(SIGTERM);
  CHECK(h.Join() == 0);
  auto took = h.stopped_at() - start;
  CHECK(took >= 600ms);
  CHECK(took < 10s);
  CHECK(saw_stop);
  CHECK_FALSE(h.daemon().worker_abandoned());
  CHECK(h.daemon().metrics().runs.Value({"interrupted"}) == 1);
  CHECK(notify.WaitForExact("STOPPING=1", 100));
}

TEST_CASE("daemon: a run that ignores the stop is abandoned after the grace period") {
  DaemonHarness h("1s");
  h.options.stop_grace = 400ms;
  auto release = std::make_shared<std::atomic<bool>>(false);
  h.body = [release](const RunRequest&, std::stop_token, ProgressSink&) {
    while (!*release) std::this_thread::sleep_for(5ms);
    return DaemonRunResult{0, "late"};
  };
  h.Start();
  REQUIRE(h.WaitRuns(1, 3000));
  auto start = std::chrono::steady_clock::now();
  h.daemon().RequestStop();
  CHECK(h.Join() == 0);
  auto took = h.stopped_at() - start;
  CHECK(took >= 350ms);
  CHECK(took < 2s);
  CHECK(h.daemon().worker_abandoned());
  CHECK(h.Log().find("run did not stop in time") != std::string::npos);
  *release = true;  // the detached worker ends; it must not touch the daemon
  std::this_thread::sleep_for(50ms);
}

TEST_CASE("daemon: start-up run only when the last success is older than one period") {
  struct Case {
    std::optional<std::chrono::seconds> age;  // nullopt: never succeeded
    bool expect_run;
  };
  for (auto c : {Case{std::nullopt, true}, Case{2h, true}, Case{10min, false}}) {
    CAPTURE(c.expect_run);
    DaemonHarness h("1h");
    h.last_success.reset();
    if (c.age) h.last_success = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) - *c.age;
    h.Start();
    bool ran = h.WaitRuns(1, c.expect_run ? 3000 : 300);
    CHECK(ran == c.expect_run);
    if (ran) CHECK(h.runs()[0].kind == "startup");
    h.daemon().RequestStop();
    CHECK(h.Join() == 0);
  }
}

TEST_CASE("daemon: sd_notify READY, STATUS with progress, WATCHDOG, STOPPING") {
  NotifySocket notify;
  setenv("WATCHDOG_USEC", "200000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  DaemonHarness h("1s");
  h.options.status_interval = 50ms;
  h.body = [](const RunRequest&, std::stop_token stop, ProgressSink& p) {
    p.SetRunId(12);
    p.Phase("planning");
    p.Progress(12345, 80000);
    for (int i = 0; i < 40 && !stop.stop_requested(); ++i) std::this_thread::sleep_for(10ms);
    return DaemonRunResult{0, "ok"};
  };
  h.Start();
  CHECK(notify.WaitForExact("READY=1"));
  CHECK(notify.WaitForPrefix("STATUS=idle until "));
  CHECK(notify.WaitForExact("STATUS=run 12: 12,345 of 80,000 relations", 4000));
  CHECK(notify.WaitForExact("WATCHDOG=1", 1000));
  h.daemon().RequestStop();
  CHECK(h.Join() == 0);
  CHECK(notify.WaitForExact("STOPPING=1", 1000));
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
}

TEST_CASE("daemon: /healthz follows fatal runs, /metrics and / are served") {
  DaemonHarness h("1s");
  std::atomic<int> calls{0};
  h.body = [&](const RunRequest&, std::stop_token, ProgressSink&) {
    return ++calls == 1 ? DaemonRunResult{4, "errcode 40001: invalid secret", true}
                        : DaemonRunResult{0, "ok"};
  };
  h.Start();
  uint16_t port = h.daemon().metrics_port();
  REQUIRE(port != 0);
  CHECK(StatusOf(HttpGet(port, "/healthz")) == 200);
  REQUIRE(DaemonHarness::Eventually([&] { return h.daemon().metrics().runs.Value({"fatal"}) == 1; }));
  std::string r = HttpGet(port, "/healthz");
  CHECK(StatusOf(r) == 503);
  CHECK(BodyOf(r) == "last run ended in a fatal error: errcode 40001: invalid secret\n");
  REQUIRE(DaemonHarness::Eventually([&] { return h.daemon().metrics().runs.Value({"success"}) >= 1; }));
  CHECK(StatusOf(HttpGet(port, "/healthz")) == 200);
  r = HttpGet(port, "/metrics");
  CHECK(StatusOf(r) == 200);
  CHECK(BodyOf(r).find("segsync_runs_total{outcome=\"fatal\"} 1\n") != std::string::npos);
  CHECK(BodyOf(r).find("# TYPE segsync_scheduled_runs_skipped_total counter\n") != std::string::npos);
  r = HttpGet(port, "/");
  CHECK(StatusOf(r) == 200);
  CHECK(BodyOf(r).find("<a href=\"/metrics\">") != std::string::npos);
  CHECK(StatusOf(HttpGet(port, "/", "POST")) == 405);
  h.daemon().RequestStop();
  CHECK(h.Join() == 0);
}

TEST_CASE("daemon: a bad first load exits 1 and an unusable metrics address exits 4") {
  {
    DaemonHarness h("1s");
    h.reload_fails = true;
    h.Start();
    CHECK(h.Join() == 1);
    CHECK(h.Log().find("<3>rules/vip.yaml:12:7: error: unknown operator 'contians'") != std::string::npos);
    CHECK(h.runs().empty());
  }
  {
    DaemonHarness h("1s");
    h.listen = "localhost:9464";
    h.Start();
    CHECK(h.Join() == 4);
    CHECK(h.Log().find("metrics server failed") != std::string::npos);
  }
}

}  // namespace
}  // namespace segsync
