#include "report/report_metrics.h"

#include <map>

#include "report/report_page.h"

namespace segsync {

KpiMetrics::KpiMetrics(MetricsRegistry& r)
    : match_ratio_(r.AddGauge("segsync_identity_match_ratio",
                              "Share of the latest export's profiles found as a WeCom customer")),
      entered_(r.AddGauge("segsync_segment_entered", "Profiles that entered the segment at the latest run",
                          {"segment", "tag"})),
      left_(r.AddGauge("segsync_segment_left", "Profiles that left the segment at the latest run",
                       {"segment", "tag"})),
      conversions_(r.AddGauge("segsync_segment_conversions",
                              "Conversions (kpi.conversion) of profiles in the segment before converting, "
                              "over the report's default period (90 days)",
                              {"segment", "tag"})),
      conversion_ratio_(r.AddGauge("segsync_segment_conversion_ratio",
                                   "Conversions divided by the people in the segment over the same period",
                                   {"segment", "tag"})),
      touches_(r.AddGauge("segsync_campaign_touches",
                          "Campaign touches dated in the report's default period, by state", {"state"})) {}

void KpiMetrics::Update(const Workspace& ws, Logger& log) {
  auto data = LoadReport(ws, {}, log);
  if (!data) {
    log.Warning("cannot refresh the KPI metrics", {{"error", data.error().message}});
    return;
  }
  if (!data->runs.empty()) match_ratio_.Set(data->runs.back().match_rate);
  entered_.Clear();
  left_.Clear();
  if (!data->sizes.empty()) {
    int64_t last = data->sizes.back().run_id;
    for (const auto& s : data->sizes) {
      if (s.run_id != last) continue;
      entered_.Set({s.segment.segment_id, s.segment.tag}, static_cast<double>(s.entered));
      left_.Set({s.segment.segment_id, s.segment.tag}, static_cast<double>(s.left));
    }
  }
  conversions_.Clear();
  conversion_ratio_.Clear();
  for (const auto& k : data->conversions) {
    if (k.segment_id.empty()) continue;
    conversions_.Set({k.segment_id, k.tag}, static_cast<double>(k.conversions));
    conversion_ratio_.Set({k.segment_id, k.tag}, k.rate);
  }
  std::map<std::string, int64_t> states;
  for (TouchState s : {TouchState::kSent, TouchState::kClaimed, TouchState::kDueToday, TouchState::kPlanned,
                       TouchState::kMissed})
    states[TouchStateName(s)] = 0;
  for (const auto& t : data->touches) ++states[TouchStateName(t.state)];
  for (const auto& [s, n] : states) touches_.Set({s}, static_cast<double>(n));
}

}  // namespace segsync
