// End-to-end `segsync daemon`: runs on time one at a time, /metrics in the Prometheus text
// format (checked by promtool when installed), /healthz, and a fatal configuration at run time
// (a wrong secret) turning /healthz to 503 with a one-line reason.
#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <sstream>

#include "harness.h"

namespace segsync::daemon_e2e {
namespace {

using Clock = std::chrono::steady_clock;

int64_t Int(const json::value& run, const char* key) { return run.as_object().at(key).to_number<int64_t>(); }

TEST_CASE("daemon e2e - every 1s gives at least 3 runs within 5 s and never two at once") {
  World w;
  auto d = w.StartDaemon();
  REQUIRE_MESSAGE(MetricsPort(*d) > 0, DaemonLog(*d));
  auto t0 = Clock::now();
  bool three = WaitFor([&] { return LogLines(DaemonLog(*d), "run finished").size() >= 3; }, 5500);
  double waited = std::chrono::duration<double>(Clock::now() - t0).count();
  std::string log = DaemonLog(*d);
  CHECK_MESSAGE(three, "runs finished after " << waited << " s:\n" << log);
  MESSAGE("3 runs finished " << waited << " s after the metrics server listened");
  d->Signal(SIGTERM);
  CHECK(d->Wait(10000) == 0);
  log = DaemonLog(*d);

  // "run started" and "run finished" alternate: at most one run at a time.
  int depth = 0, max_depth = 0, started = 0;
  for (const auto& line : LogLines(log, "run ")) {
    if (line.find("run started") != std::string::npos) ++depth, ++started;
    else if (line.find("run finished") != std::string::npos) --depth;
    max_depth = std::max(max_depth, depth);
    CHECK_MESSAGE(depth >= 0, line);
  }
  CHECK(max_depth == 1);
  CHECK(started >= 3);
  // SIGTERM may land during a run: only the last one may be interrupted.
  auto finished = LogLines(log, "run finished");
  for (size_t i = 0; i < finished.size(); ++i)
    CHECK_MESSAGE((finished[i].find("outcome=success") != std::string::npos ||
                   (i + 1 == finished.size() && finished[i].find("outcome=interrupted") != std::string::npos)),
                  finished[i]);
  MESSAGE("skipped slots: " << LogLines(log, "scheduled run skipped").size());

  // The ledger agrees: every run finished ok, one after another, about a second apart.
  json::array runs = w.Runs();
  REQUIRE(runs.size() >= 3);
  REQUIRE(static_cast<int>(runs.size()) == started);
  for (size_t i = 0; i < runs.size(); ++i) {
    std::string outcome(runs[i].as_object().at("outcome").as_string());
    CHECK_MESSAGE((outcome == "ok" || (i + 1 == runs.size() && outcome == "interrupted")), "run " << i + 1 << " " << outcome);
    if (i == 0) continue;
    CHECK(Int(runs[i], "started_at") >= Int(runs[i - 1], "ended_at"));
    CHECK(Int(runs[i], "started_at") - Int(runs[i - 1], "started_at") <= 2);
  }
  // Only the first run changed anything.
  CHECK(Int(runs[0], "added") == 2);
  for (size_t i = 1; i < runs.size(); ++i) CHECK(Int(runs[i], "added") + Int(runs[i], "removed") == 0);
}

// Every segsync_ family a scrape after one successful run must show, with its type.
const std::pair<const char*, const char*> kFamilies[] = {
    {"segsync_runs_total", "counter"},
    {"segsync_last_run_start_timestamp_seconds", "gauge"},
    {"segsync_last_run_end_timestamp_seconds", "gauge"},
    {"segsync_last_success_timestamp_seconds", "gauge"},
    {"segsync_run_duration_seconds", "gauge"},
    {"segsync_run_in_progress", "gauge"},
    {"segsync_next_run_timestamp_seconds", "gauge"},
    {"segsync_reload_failures_total", "counter"},
    {"segsync_reloads_total", "counter"},
    {"segsync_scheduled_runs_skipped_total", "counter"},
    {"segsync_segment_size", "gauge"},
    {"segsync_relations", "gauge"},
    {"segsync_tags_changed_total", "counter"},
    {"segsync_api_calls_total", "counter"},
    {"segsync_retry_queue_depth", "gauge"},
    {"segsync_guard_blocks_total", "counter"},
    {"process_resident_memory_bytes", "gauge"},
};

TEST_CASE("daemon e2e - /metrics is valid Prometheus text and /healthz is 200") {
  World w;
  auto d = w.StartDaemon();
  int port = MetricsPort(*d);
  REQUIRE_MESSAGE(port > 0, DaemonLog(*d));
  REQUIRE(WaitFor([&] { return !LogLines(DaemonLog(*d), "run finished").empty(); }, 10000));

  HttpAnswer m = Http(port, "GET", "/metrics");
  REQUIRE(m.status == 200);
  CHECK(m.content_type.find("text/plain") == 0);
  const std::string& text = m.body;
  for (const auto& [name, type] : kFamilies) {
    CAPTURE(name);
    CHECK(text.find(std::string("# HELP ") + name + " ") != std::string::npos);
    CHECK(text.find(std::string("# TYPE ") + name + " " + type + "\n") != std::string::npos);
  }
  CHECK(MetricValue(text, "segsync_runs_total{outcome=\"success\"}") >= 1);
  CHECK(MetricValue(text, "segsync_reload_failures_total") == 0);
  CHECK(MetricValue(text, "segsync_relations{state=\"matched\"}") == 3);
  CHECK(MetricValue(text, "segsync_segment_size{segment=\"member\",tag=\"会员\"}") == 1);
  CHECK(MetricValue(text, "segsync_tags_changed_total{op=\"added\"}") == 2);
  CHECK(MetricValue(text, "segsync_api_calls_total{endpoint=\"mark_tag\",errcode=\"0\"}") == 2);
  // Every sample line is NAME{LABELS} VALUE with a number (no NaN text, no empty label sets).
  std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? [-+0-9.eE]+(Inf)?$)");
  std::istringstream in(text);
  std::string line;
  int samples = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    ++samples;
    CHECK_MESSAGE(std::regex_match(line, sample), line);
  }
  CHECK(samples > 20);

  if (access("/usr/bin/promtool", X_OK) == 0) {
    RunResult p = segsync::testing::Run({"/usr/bin/promtool", "check", "metrics"}, {}, "", text);
    CHECK_MESSAGE(p.exit_code == 0, "promtool: " << p.out << p.err);
  } else {
    MESSAGE("promtool not installed: skipped `promtool check metrics`");
  }

  HttpAnswer h = Http(port, "GET", "/healthz");
  CHECK(h.status == 200);
  CHECK(h.body == "ok\n");
  CHECK(Http(port, "GET", "/").status == 200);
  CHECK(Http(port, "GET", "/nope").status == 404);
  d->Signal(SIGTERM);
  CHECK(d->Wait(10000) == 0);
}

TEST_CASE("daemon e2e - a wrong secret makes /healthz 503 with a one-line reason") {
  World w;
  const std::string wrong = "wrong-secret-0123456789";
  auto d = w.StartDaemon({{"SEGSYNC_WECOM_SECRET", wrong}});
  int port = MetricsPort(*d);
  REQUIRE_MESSAGE(port > 0, DaemonLog(*d));
  REQUIRE_MESSAGE(WaitFor([&] { return !LogLines(DaemonLog(*d), "run finished").empty(); }, 10000), DaemonLog(*d));
  HttpAnswer h = Http(port, "GET", "/healthz");
  CHECK(h.status == 503);
  CHECK(h.body.size() > 10);
  CHECK(h.body.find('\n') == h.body.size() - 1);  // one line
  CHECK(h.body.find("fatal") != std::string::npos);
  CHECK(h.body.find(wrong) == std::string::npos);
  MESSAGE("/healthz: " << h.body);
  std::string finished = LogLines(DaemonLog(*d), "run finished").front();
  CHECK_MESSAGE(finished.find("outcome=fatal") != std::string::npos, finished);
  CHECK_MESSAGE(finished.find("exit_code=4") != std::string::npos, finished);
  // The daemon keeps its schedule after a fatal run (an operator fixes the secret, no restart).
  CHECK(WaitFor([&] { return LogLines(DaemonLog(*d), "run finished").size() >= 2; }, 5000));
  CHECK(MetricValue(Http(port, "GET", "/metrics").body, "segsync_runs_total{outcome=\"fatal\"}") >= 1);
  d->Signal(SIGTERM);
  CHECK(d->Wait(10000) == 0);
  CHECK(DaemonLog(*d).find(wrong) == std::string::npos);
}

}  // namespace
}  // namespace segsync::daemon_e2e
