// The metrics registry and its text exposition: a golden rendering, escaping, caps, bad names,
// thread-safety, and `promtool check metrics` on the daemon's full family set when installed.
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include <doctest/doctest.h>

#include "service/daemon_metrics.h"
#include "service/metrics.h"
#include "test_support.h"

namespace segsync {
namespace {

TEST_CASE("metrics: golden text exposition") {
  MetricsRegistry r;
  Counter runs = r.AddCounter("segsync_runs_total", "Sync runs by outcome.", {"outcome"});
  Gauge size = r.AddGauge("segsync_segment_size", "Profiles in each segment.", {"segment", "tag"});
  Gauge depth = r.AddGauge("segsync_retry_queue_depth", "Failed items\nwaiting \\ retried.");
  r.AddGauge("segsync_relations", "Empty family.", {"state"});
  r.AddCallback("process_open_fds", "Open fds.", MetricType::kGauge, [] { return 7.0; });
  runs.Inc({"success"});
  runs.Inc({"success"});
  runs.Inc({"fatal"}, 1);
  runs.Inc({"fatal"}, -5);  // ignored: counters only go up
  size.Set({"ready_to_convert", "待转会员"}, 1234);
  size.Set({"city", "Say \"hi\"\\\n"}, 0.25);
  depth.Set(3);
  const char* expected =
      "# HELP segsync_runs_total Sync runs by outcome.\n"
      "# TYPE segsync_runs_total counter\n"
      "segsync_runs_total{outcome=\"fatal\"} 1\n"
      "segsync_runs_total{outcome=\"success\"} 2\n"
      "# HELP segsync_segment_size Profiles in each segment.\n"
      "# TYPE segsync_segment_size gauge\n"
      "segsync_segment_size{segment=\"city\",tag=\"Say \\\"hi\\\"\\\\\\n\"} 0.25\n"
      "segsync_segment_size{segment=\"ready_to_convert\",tag=\"待转会员\"} 1234\n"
      "# HELP segsync_retry_queue_depth Failed items\\nwaiting \\\\ retried.\n"
      "# TYPE segsync_retry_queue_depth gauge\n"
      "segsync_retry_queue_depth 3\n"
      "# HELP segsync_relations Empty family.\n"
      "# TYPE segsync_relations gauge\n"
      "# HELP process_open_fds Open fds.\n"
      "# TYPE process_open_fds gauge\n"
      "process_open_fds 7\n";
  CHECK(r.Render() == expected);
  size.Clear();
  CHECK(r.Render().find("ready_to_convert") == std::string::npos);
}

TEST_CASE("metrics: value formatting") {
  CHECK(FormatMetricValue(0) == "0");
  CHECK(FormatMetricValue(-3) == "-3");
  CHECK(FormatMetricValue(1733300000) == "1733300000");
  CHECK(FormatMetricValue(0.1) == "0.1");
  CHECK(FormatMetricValue(1.5e300) == "1.5e+300");
  CHECK(FormatMetricValue(1.0 / 0.0) == "+Inf");
  CHECK(FormatMetricValue(-1.0 / 0.0) == "-Inf");
  CHECK(FormatMetricValue(0.0 / 0.0) == "NaN");
}

TEST_CASE("metrics: programming errors are refused at registration") {
  MetricsRegistry r;
  CHECK_THROWS_AS(r.AddCounter("segsync_runs", "no _total"), std::logic_error);
  CHECK_THROWS_AS(r.AddGauge("segsync_things_total", "gauge with _total"), std::logic_error);
  CHECK_THROWS_AS(r.AddGauge("9lives", "bad name"), std::logic_error);
  CHECK_THROWS_AS(r.AddGauge("segsync_x", ""), std::logic_error);
  CHECK_THROWS_AS(r.AddGauge("segsync_y", "bad label", {"__reserved"}), std::logic_error);
  CHECK_THROWS_AS(r.AddGauge("segsync_z", "bad label", {"a-b"}), std::logic_error);
  Gauge g = r.AddGauge("segsync_ok", "ok", {"a"});
  CHECK_THROWS_AS(r.AddGauge("segsync_ok", "twice"), std::logic_error);
  CHECK_THROWS_AS(g.Set({"1", "2"}, 1), std::logic_error);
  CHECK_THROWS_AS(g.Set(1), std::logic_error);
}

TEST_CASE("metrics: a family holds at most kMaxSeriesPerFamily series") {
  MetricsRegistry r;
  Counter c = r.AddCounter("segsync_api_calls_total", "calls", {"endpoint", "errcode"});
  for (size_t i = 0; i < MetricFamily::kMaxSeriesPerFamily + 5; ++i) c.Inc({"x", std::to_string(i)});
  CHECK(c.family().dropped_series() == 5);
  CHECK(c.Value({"x", "0"}) == 1);
  c.Inc({"x", "0"});  // an existing series still counts past the cap
  CHECK(c.Value({"x", "0"}) == 2);
}

TEST_CASE("metrics: concurrent updates are not lost") {
  MetricsRegistry r;
  Counter c = r.AddCounter("segsync_tags_changed_total", "changes", {"op"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) c.Inc({i % 2 ? "added" : "removed"});
    });
  for (int i = 0; i < 50; ++i) r.Render();
  for (auto& t : threads) t.join();
  CHECK(c.Value({"added"}) == 10000);
  CHECK(c.Value({"removed"}) == 10000);
}

TEST_CASE("metrics: the daemon's families pass promtool check metrics") {
  MetricsRegistry r;
  DaemonMetrics m(r);
  AddProcessMetrics(r, std::chrono::system_clock::now());
  m.runs.Inc({"success"});
  m.segment_size.Set({"ready_to_convert", "待转会员"}, 12);
  m.relations.Set({"matched"}, 71234);
  m.relations.Set({"unmatched"}, 28766);
  m.api_calls.Inc({"mark_tag", "0"});
  m.tag_failures.Inc({"errcode 84061"});
  m.run_duration.Set(12.5);
  std::string text = r.Render();
  CHECK(text.find("# TYPE segsync_runs_total counter\n") != std::string::npos);
  CHECK(text.find("process_resident_memory_bytes ") != std::string::npos);
  CHECK(text.find("process_resident_memory_bytes 0\n") == std::string::npos);
  if (access("/usr/bin/promtool", X_OK) != 0) {
    MESSAGE("promtool not installed: skipping the promtool check");
    return;
  }
  auto result = testing::Run({"/usr/bin/promtool", "check", "metrics"}, {}, {}, text);
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.err.find("lint") == std::string::npos);
}

}  // namespace
}  // namespace segsync
