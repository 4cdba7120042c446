// Daemon jobs (the callback events' work): serialized with runs, a slot that comes during a
// job is deferred rather than skipped, and jobs are not counted as runs.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "service/daemon_harness.h"

namespace segsync::testing {
namespace {

using Clock = std::chrono::steady_clock;

RunFn Job(std::atomic<int>* count, std::atomic<bool>* overlap, std::atomic<bool>* busy, int sleep_ms,
          Clock::time_point* ended = nullptr) {
  return [=](const RunRequest&, std::stop_token, ProgressSink&) {
    if (busy->exchange(true)) *overlap = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    ++*count;
    if (ended) *ended = Clock::now();
    busy->store(false);
    return DaemonRunResult{0, "job ok"};
  };
}

}  // namespace

TEST_CASE("daemon jobs - run on the worker never beside a run and are not counted as runs") {
  DaemonHarness h("1s");
  std::atomic<bool> busy{false}, overlap{false};
  std::atomic<int> jobs{0};
  h.body = [&](const RunRequest&, std::stop_token, ProgressSink&) {
    if (busy.exchange(true)) overlap = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    busy = false;
    return DaemonRunResult{0, "ok"};
  };
  h.Start();
  REQUIRE(h.daemon().ready());
  REQUIRE(h.WaitRuns(1, 3000));  // a run is in progress now: jobs wait for it
  for (int i = 0; i < 5; ++i) h.daemon().SubmitJob("callback", Job(&jobs, &overlap, &busy, 50));
  CHECK(DaemonHarness::Eventually([&] { return jobs == 5; }, 5000));
  CHECK_FALSE(overlap.load());
  h.daemon().RequestStop();
  CHECK(h.Join() == 0);
  std::string log = h.Log();
  CHECK(log.find("job finished") != std::string::npos);
  CHECK(log.find("kind=callback") != std::string::npos);
  // segsync_runs_total counts only the runs.
  CHECK(h.daemon().metrics().runs.Value({"success"}) == static_cast<double>(h.runs().size() - (log.find("outcome=interrupted") != std::string::npos)));
}

TEST_CASE("daemon jobs - a slot during a job is deferred to right after it not skipped") {
  DaemonHarness h("1s");
  std::atomic<bool> busy{false}, overlap{false};
  std::atomic<int> jobs{0};
  Clock::time_point job_end;
  h.Start();
  REQUIRE(h.daemon().ready());
  size_t before = h.runs().size();
  h.daemon().SubmitJob("callback", Job(&jobs, &overlap, &busy, 1600, &job_end));  // spans a 1 s slot
  REQUIRE(DaemonHarness::Eventually([&] { return jobs == 1; }, 5000));
  REQUIRE(h.WaitRuns(before + 1, 3000));
  CHECK(h.Log().find("scheduled run deferred") != std::string::npos);
  CHECK(h.daemon().metrics().scheduled_runs_skipped.Value() == 0);
  h.daemon().RequestStop();
  CHECK(h.Join() == 0);
}

TEST_CASE("daemon jobs - queued jobs are dropped at stop a running one is waited for") {
  DaemonHarness h("1h");
  std::atomic<bool> busy{false}, overlap{false};
  std::atomic<int> jobs{0};
  h.Start();
  REQUIRE(h.daemon().ready());
  h.daemon().SubmitJob("callback", Job(&jobs, &overlap, &busy, 300));
  h.daemon().SubmitJob("callback", Job(&jobs, &overlap, &busy, 300));
  REQUIRE(DaemonHarness::Eventually([&] { return busy.load(); }, 2000));
  h.daemon().RequestStop();
  CHECK(h.Join() == 0);
  CHECK(jobs == 1);
  CHECK(h.Log().find("dropping queued work at stop") != std::string::npos);
  h.daemon().SubmitJob("callback", Job(&jobs, &overlap, &busy, 1));  // after the stop: ignored
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(jobs == 1);
}

}  // namespace segsync::testing
