// When the daemon runs a sync: `schedule.every` or `schedule.cron` of segsync.yaml (spec §2),
// evaluated in the configured time zone. Next-fire computation is a pure function of
// (schedule, instant, zone): no clock, no state, so it is tested table-driven.
//
// every: N followed by s, m, h or d (30m, 6h, 1s, 2d); 1s .. 366d. Slots are aligned so that
//   operators can predict them ("idle until 14:00"):
//   - a whole number of days: local midnight of every Nth day counted from 1970-01-01;
//   - at least 1h and dividing 24h (1h 2h 3h 4h 6h 8h 12h, 90m ...): local wall clock,
//     counted from local midnight (6h -> 00:00 06:00 12:00 18:00 local);
//   - anything else (30m, 45s, 7h ...): multiples of the period since the Unix epoch, i.e.
//     real elapsed time, so DST changes neither add nor drop a run.
// cron: five fields  minute hour day-of-month month day-of-week  with *, lists (1,15),
//   ranges (1-5), steps (*/15, 9-17/2, 5/10 = 5-max/10), names (JAN..DEC, SUN..SAT, any case),
//   7 = Sunday, and the macros @hourly @daily @midnight @weekly @monthly @yearly @annually.
//   Day rule (Vixie cron, POSIX): when both day-of-month and day-of-week are restricted (do not
//   start with '*'), a day matches if EITHER matches; otherwise only the restricted one counts.
//   An expression that can never fire (0 0 30 2 *) is rejected when parsed.
//
// DST, for local wall-clock slots (cron and the local-aligned `every` kinds):
//   - a slot in a gap (spring forward; 01:30 on the day Europe/London skips 01:00-02:00) fires
//     at the end of the gap, i.e. at the transition instant, once;
//   - a slot in an overlap (fall back; 01:30 happens twice) fires once, at its FIRST occurrence.
//   So each local slot fires at most once per day and none is lost.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <date/tz.h>

#include "base/diag.h"
#include "base/error.h"

namespace segsync {

using SysSeconds = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;

// A parsed five-field cron expression. Bit i set = value i allowed.
struct CronSpec {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // 1..31
  std::bitset<13> months;         // 1..12
  std::bitset<7> days_of_week;    // 0 = Sunday
  bool dom_restricted = false;
  bool dow_restricted = false;
};

// A problem in a schedule string: what, and at which 0-based character offset of the string.
struct ScheduleError {
  std::string message;
  int offset = 0;
};

class Schedule {
 public:
  // "6h" -> every 6 hours. Error names the offending part.
  static Result<Schedule> Every(std::string_view text);
  // "0 2 * * *". Error says which field and value is wrong.
  static Result<Schedule> Cron(std::string_view text);

  // For config loaders: exactly one of `every` / `cron` must be non-empty. Problems go to
  // `sink` as FILE:LINE:COL diagnostics (pos = where the YAML scalar starts, 1-based; the
  // column is moved to the offending character). Returns nullopt if anything was wrong.
  static std::optional<Schedule> FromConfig(std::string_view every, const SourcePos& every_pos,
                                            std::string_view cron, const SourcePos& cron_pos,
                                            DiagSink& sink);

  // The first fire time strictly after `after`. Always has a value for a parsed schedule
  // (parsing rejects crons that never fire; the search is bounded to 8 years).
  std::optional<SysSeconds> NextAfter(SysSeconds after, const date::time_zone& zone) const;

  // "One period" for the start-up catch-up rule: the `every` period, or for cron the gap
  // between the next two fire times after `now`.
  std::chrono::seconds NominalPeriod(SysSeconds now, const date::time_zone& zone) const;

  // "every 6h" or "cron 0 2 * * *", for logs and the status line.
  std::string Describe() const;
  bool is_cron() const { return cron_.has_value(); }
  std::chrono::seconds period() const { return period_; }

 private:
  std::optional<SysSeconds> NextEvery(SysSeconds after, const date::time_zone& zone) const;
  std::optional<SysSeconds> NextCron(SysSeconds after, const date::time_zone& zone) const;

  std::chrono::seconds period_{0};  // `every` only
  std::optional<CronSpec> cron_;
  std::string text_;
};

// Lower-level parsers, exposed for tests and for loaders that want the offset.
std::variant<std::chrono::seconds, ScheduleError> ParseEveryText(std::string_view text);
std::variant<CronSpec, ScheduleError> ParseCronText(std::string_view text);

// Does `spec` allow this calendar day? (The day-of-month / day-of-week OR rule.)
bool CronDayMatches(const CronSpec& spec, date::year_month_day ymd);

}  // namespace segsync
