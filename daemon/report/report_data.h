// The KPI report's data (issue 7): plain tables computed from the ledger (and the rules'
// campaign calendar), kept apart from rendering so that tests compare them with SQL and the
// HTML and CSV renderers (report_render.h) show the same numbers.
//
// Contract:
// - BuildReport only reads the ledger (one query per table) and never changes it.
// - The period is whole days [from, to] in the configured time zone; a run belongs to it
//   when its as-of instant falls inside. Default: the 90 days ending today (or ending on the
//   newest run's as-of day when that is later, e.g. after replays with --as-of).
// - KPI definitions are those of docs/report.md; each table's comment repeats them briefly.
// - Errors: the ledger's (kIo, kCorrupt, ...); a period that ends before it starts is
//   kInvalidInput.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "config/config.h"
#include "ledger/ledger.h"
#include "mapper/profile.h"
#include "segment/rules.h"

namespace segsync {

struct ReportRequest {
  const date::time_zone* tz = nullptr;          // required
  std::string timezone;                         // its name, for the page
  std::optional<KpiConversion> conversion;      // none: the conversion tables say so
  const RuleSet* rules = nullptr;               // campaigns and segment groups; may be null
  std::optional<Date> from, to;                 // --from / --to
  int64_t now = 0;                              // "generated at"; today = later of this and the newest run's as-of day
};

// Conversions per segment the profiles were in just before converting.
struct ConversionKpi {
  std::string segment_id, tag;   // empty segment_id: profiles that were in no segment
  int64_t audience = 0;          // distinct profiles in the segment in some snapshot of the period
  int64_t conversions = 0;       // conversions of profiles in the segment before converting
  double rate = 0;               // conversions / audience (0 when audience is 0)
  std::optional<double> median_days;  // entering the segment -> converting, in days
};

// One run's identity match and outcome.
struct RunKpi {
  int64_t run_id = 0;
  int64_t as_of = 0;
  std::string kind, outcome;
  int64_t profiles = 0, matched = 0, unmatched = 0;
  double match_rate = 0;         // matched / profiles (0 when no profile)
  int64_t added = 0, removed = 0, failed = 0;
};

enum class TouchState { kSent, kClaimed, kDueToday, kPlanned, kMissed };
const char* TouchStateName(TouchState s);  // "task created", "claimed, no task", ...

struct TouchKpi {
  std::string campaign;
  std::string date;              // YYYY-MM-DD
  std::vector<std::string> segments;
  std::string message;           // from the rules (empty for a touch no longer in them)
  TouchState state = TouchState::kPlanned;
  std::string msgid;
  int64_t targeted = 0, sent = 0, unsent = 0, not_friend = 0, quota = 0, fail_count = 0;
  int64_t results_read_at = 0;
};

struct CampaignKpi {
  std::string name;
  std::string from, to;          // YYYY-MM-DD
  int64_t touches_planned = 0;   // in the rules
  int64_t touches_created = 0;   // tasks created in WeCom
  int64_t targeted = 0;          // distinct customers the tasks were addressed to
  int64_t reached = 0;           // distinct customers with send status "sent"
};

// Was the segment engaged at least once in the campaign's period: a task was created for a
// touch naming it, dated inside the period (any campaign's touch counts).
struct CoverageRow {
  std::string campaign;
  std::string segment_id;
  std::string group;             // tag group name
  int64_t touches_planned = 0;   // touches in the rules naming it inside the period
  int64_t touches_created = 0;
  bool engaged = false;
};

struct ReportData {
  std::string from, to;              // the period, YYYY-MM-DD
  int64_t from_as_of = 0, to_as_of = 0;
  std::string generated_at;          // "2026-12-04 19:30" local
  std::string timezone;
  const date::time_zone* tz = nullptr;
  std::optional<KpiConversion> conversion;

  std::vector<SegmentSizeRow> sizes;       // per (snapshot run, segment), oldest first
  std::vector<ConversionKpi> conversions;  // per segment, by segment id
  int64_t converted_profiles = 0;          // distinct profiles converting in the period
  std::vector<RunKpi> runs;                // oldest first
  std::vector<FailureCountRow> failures;   // most frequent first
  std::vector<InvitationKpiRow> invitations;
  std::vector<CampaignKpi> campaigns;      // campaigns overlapping the period
  std::vector<TouchKpi> touches;           // touches dated inside the period, by date
  std::vector<CoverageRow> coverage;       // per (campaign, segment)
};

Result<ReportData> BuildReport(Ledger& ledger, const ReportRequest& request);

// Local calendar day of an instant, and the first instant of a day, in `tz`.
Date LocalDay(int64_t instant, const date::time_zone* tz);
int64_t DayStart(Date day, const date::time_zone* tz);
// "2027-01-10 08:00" in `tz`.
std::string FormatLocalMinute(int64_t instant, const date::time_zone* tz);

}  // namespace segsync
