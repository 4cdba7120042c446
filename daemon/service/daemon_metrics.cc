#include "service/daemon_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace segsync {

DaemonMetrics::DaemonMetrics(MetricsRegistry& r)
    : runs(r.AddCounter("segsync_runs_total", "Sync runs by outcome.", {"outcome"})),
      last_run_start(r.AddGauge("segsync_last_run_start_timestamp_seconds",
                                "Unix time the last run started.")),
      last_run_end(r.AddGauge("segsync_last_run_end_timestamp_seconds",
                              "Unix time the last run ended.")),
      last_success(r.AddGauge("segsync_last_success_timestamp_seconds",
                              "Unix time the last run ended that applied its plan (exit 0 or 5).")),
      run_duration(r.AddGauge("segsync_run_duration_seconds", "Duration of the last run.")),
      run_in_progress(r.AddGauge("segsync_run_in_progress", "1 while a run is in progress.")),
      next_run(r.AddGauge("segsync_next_run_timestamp_seconds",
                          "Unix time of the next scheduled run.")),
      reload_failures(r.AddCounter("segsync_reload_failures_total",
                                   "SIGHUP reloads refused because config, mapping or rules had errors.")),
      reloads(r.AddCounter("segsync_reloads_total", "Successful SIGHUP reloads.")),
      scheduled_runs_skipped(r.AddCounter(
          "segsync_scheduled_runs_skipped_total",
          "Scheduled runs not started because the previous run was still in progress.")),
      segment_size(r.AddGauge("segsync_segment_size", "Profiles in each segment (last run).",
                              {"segment", "tag"})),
      relations(r.AddGauge("segsync_relations",
                           "Profiles matched or unmatched to a WeCom customer (last run).",
                           {"state"})),
      tags_changed(r.AddCounter("segsync_tags_changed_total",
                                "Tags added to or removed from relationships.", {"op"})),
      tag_failures(r.AddCounter("segsync_tag_failures_total",
                                "Tag changes that failed, by reason.", {"reason"})),
      api_calls(r.AddCounter("segsync_api_calls_total", "WeCom API calls by endpoint and errcode.",
                             {"endpoint", "errcode"})),
      retry_queue_depth(r.AddGauge("segsync_retry_queue_depth",
                                   "Failed items waiting to be retried.")),
      guard_blocks(r.AddCounter("segsync_guard_blocks_total", "Runs blocked by the guard.")),
      group_invitations(r.AddGauge("segsync_group_invitations",
                                   "Customers per group_chat segment and invitation state (ledger).",
                                   {"segment", "state"})),
      group_join_rate(r.AddGauge("segsync_group_join_rate",
                                 "Customers who joined through the segment's join way / invited.",
                                 {"segment"})) {}

namespace {

// Fields of /proc/self/stat after the command name: [11] utime [12] stime [20] vsize [21] rss.
bool ReadStat(double* cpu_seconds, double* vsize, double* rss_pages) {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return false;
  std::istringstream fields(text.substr(paren + 2));
  std::string f[24];
  for (auto& s : f) fields >> s;
  if (!fields) return false;
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  *cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  *vsize = std::stod(f[20]);
  *rss_pages = std::stod(f[21]);
  return true;
}

double OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return 0;
  double n = 0;
  while (dirent* e = readdir(dir))
    if (e->d_name[0] != '.') ++n;
  closedir(dir);
  return n - 1;  // the directory stream's own descriptor
}

}  // namespace

void AddProcessMetrics(MetricsRegistry& r, std::chrono::system_clock::time_point start) {
  auto stat = [](int which) {
    double cpu = 0, vsize = 0, rss = 0;
    if (!ReadStat(&cpu, &vsize, &rss)) return 0.0;
    if (which == 0) return cpu;
    if (which == 1) return vsize;
    return rss * static_cast<double>(sysconf(_SC_PAGESIZE));
  };
  r.AddCallback("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                MetricType::kCounter, [stat] { return stat(0); });
  r.AddCallback("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                MetricType::kGauge, [stat] { return stat(1); });
  r.AddCallback("process_resident_memory_bytes", "Resident memory size in bytes.",
                MetricType::kGauge, [stat] { return stat(2); });
  r.AddCallback("process_open_fds", "Number of open file descriptors.", MetricType::kGauge,
                OpenFds);
  r.AddCallback("process_max_fds", "Maximum number of open file descriptors.", MetricType::kGauge,
                [] {
                  rlimit lim{};
                  return getrlimit(RLIMIT_NOFILE, &lim) == 0 ? static_cast<double>(lim.rlim_cur) : 0.0;
                });
  double start_seconds = std::chrono::duration<double>(start.time_since_epoch()).count();
  r.AddCallback("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                MetricType::kGauge, [start_seconds] { return start_seconds; });
}

}  // namespace segsync
