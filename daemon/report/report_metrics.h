// The report's figures for Prometheus (issue 7: "the same figures from /metrics"), refreshed
// from the ledger after each run of the daemon:
//   segsync_identity_match_ratio                 matched / profiles of the latest run
//   segsync_segment_entered{segment,tag}         profiles that entered at the latest run
//   segsync_segment_left{segment,tag}            profiles that left at the latest run
//   segsync_segment_conversions{segment,tag}     conversions in the report's default period
//   segsync_segment_conversion_ratio{segment,tag}  conversions / people in the segment, same period
//   segsync_campaign_touches{state}              touches dated in that period, by state
// Thread-safe: Update runs on the daemon's run thread, scrapes on its io thread.
#pragma once

#include "base/log.h"
#include "service/metrics.h"
#include "workspace/workspace.h"

namespace segsync {

class KpiMetrics {
 public:
  explicit KpiMetrics(MetricsRegistry& registry);
  // Reads the ledger (the report's queries); logs and keeps the old values on failure.
  void Update(const Workspace& ws, Logger& log);

 private:
  Gauge match_ratio_, entered_, left_, conversions_, conversion_ratio_, touches_;
};

}  // namespace segsync
