// The metric families of segsync, named once here. The daemon feeds the run, schedule and
// reload ones; the run function (the integrator's sync) feeds the rest through the
// DaemonMetrics it gets in RunRequest. All handles are thread-safe (see metrics.h).
#pragma once

#include <chrono>

#include "service/metrics.h"

namespace segsync {

struct DaemonMetrics {
  explicit DaemonMetrics(MetricsRegistry& registry);

  // Fed by the daemon.
  Counter runs;                       // segsync_runs_total{outcome}: success partial blocked
                                      //   fatal interrupted error
  Gauge last_run_start;               // segsync_last_run_start_timestamp_seconds
  Gauge last_run_end;                 // segsync_last_run_end_timestamp_seconds
  Gauge last_success;                 // segsync_last_success_timestamp_seconds
  Gauge run_duration;                 // segsync_run_duration_seconds (of the last run)
  Gauge run_in_progress;              // segsync_run_in_progress (0 or 1)
  Gauge next_run;                     // segsync_next_run_timestamp_seconds
  Counter reload_failures;            // segsync_reload_failures_total
  Counter reloads;                    // segsync_reloads_total (successful)
  Counter scheduled_runs_skipped;     // segsync_scheduled_runs_skipped_total
  // Fed by the run function.
  Gauge segment_size;                 // segsync_segment_size{segment,tag}
  Gauge relations;                    // segsync_relations{state="matched|unmatched"}
  Counter tags_changed;               // segsync_tags_changed_total{op="added|removed"}
  Counter tag_failures;               // segsync_tag_failures_total{reason}
  Counter api_calls;                  // segsync_api_calls_total{endpoint,errcode}
  Gauge retry_queue_depth;            // segsync_retry_queue_depth
  Counter guard_blocks;               // segsync_guard_blocks_total
  // Group chats (issue 6), per segment, over the whole ledger after each run.
  Gauge group_invitations;            // segsync_group_invitations{segment,state="invited|sent|
                                      //   not_sent|not_contact|quota|failed|joined|left"}
  Gauge group_join_rate;              // segsync_group_join_rate{segment}: joined / invited
};

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds (read from /proc/self at scrape time; Linux only) and
// process_start_time_seconds (`start`, since /proc/stat may be hidden by ProcSubset=pid).
void AddProcessMetrics(MetricsRegistry& registry, std::chrono::system_clock::time_point start);

}  // namespace segsync
