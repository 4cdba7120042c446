// Next-fire computation for `every` and `cron` schedules (see schedule.h for the rules).
#include "service/schedule.h"

namespace segsync {

namespace {

using date::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using LocalSeconds = date::local_time<seconds>;

constexpr seconds kDay{86400};
constexpr int kSearchDays = 366 * 8 + 2;  // covers leap days and every weekday combination

// Local wall-clock time -> instant, with the DST choice of schedule.h: a time in a gap maps
// to the transition instant, an ambiguous time to its first occurrence.
SysSeconds ToSys(LocalSeconds local, const date::time_zone& zone) {
  return zone.to_sys(local, date::choose::earliest);
}

enum class EveryKind { kDays, kLocalClock, kElapsed };

EveryKind KindOf(seconds period) {
  if (period % kDay == seconds(0)) return EveryKind::kDays;
  if (period >= hours(1) && kDay % period == seconds(0)) return EveryKind::kLocalClock;
  return EveryKind::kElapsed;
}

}  // namespace

Result<Schedule> Schedule::Every(std::string_view text) {
  auto parsed = ParseEveryText(text);
  if (auto* e = std::get_if<ScheduleError>(&parsed)) return Error{ErrorCode::kInvalidInput, e->message};
  Schedule s;
  s.period_ = std::get<seconds>(parsed);
  s.text_ = std::string(text);
  return s;
}

Result<Schedule> Schedule::Cron(std::string_view text) {
  auto parsed = ParseCronText(text);
  if (auto* e = std::get_if<ScheduleError>(&parsed)) return Error{ErrorCode::kInvalidInput, e->message};
  Schedule s;
  s.cron_ = std::get<CronSpec>(parsed);
  s.text_ = std::string(text);
  // Reject expressions that never fire (0 0 30 2 *) now rather than at 02:00 some day.
  bool any_day = false;
  date::sys_days day = date::year{2024} / 1 / 1;  // a leap year start; 8 years see all combos
  for (int i = 0; i < kSearchDays && !any_day; ++i) any_day = CronDayMatches(*s.cron_, day + days(i));
  if (!any_day) {
    return Error{ErrorCode::kInvalidInput,
                 "schedule.cron '" + std::string(text) + "' never fires (no calendar day matches)"};
  }
  return s;
}

std::optional<Schedule> Schedule::FromConfig(std::string_view every, const SourcePos& every_pos,
                                             std::string_view cron, const SourcePos& cron_pos,
                                             DiagSink& sink) {
  auto at = [](const SourcePos& pos, int offset) {
    SourcePos p = pos;
    if (p.col > 0) p.col += offset;
    return p;
  };
  if (!every.empty() && !cron.empty()) {
    sink.Error(cron_pos, "schedule: give either 'every' or 'cron', not both");
    return std::nullopt;
  }
  if (every.empty() && cron.empty()) {
    sink.Error(every_pos, "schedule: 'every' (e.g. 6h) or 'cron' (e.g. \"0 2 * * *\") is required");
    return std::nullopt;
  }
  if (!every.empty()) {
    auto parsed = ParseEveryText(every);
    if (auto* e = std::get_if<ScheduleError>(&parsed)) {
      sink.Error(at(every_pos, e->offset), e->message);
      return std::nullopt;
    }
    auto s = Every(every);
    return std::move(*s);
  }
  auto parsed = ParseCronText(cron);
  if (auto* e = std::get_if<ScheduleError>(&parsed)) {
    sink.Error(at(cron_pos, e->offset), e->message);
    return std::nullopt;
  }
  auto s = Cron(cron);
  if (!s.ok()) {
    sink.Error(cron_pos, s.error().message);
    return std::nullopt;
  }
  return std::move(*s);
}

std::optional<SysSeconds> Schedule::NextAfter(SysSeconds after, const date::time_zone& zone) const {
  return cron_ ? NextCron(after, zone) : NextEvery(after, zone);
}

std::optional<SysSeconds> Schedule::NextEvery(SysSeconds after, const date::time_zone& zone) const {
  const long long p = period_.count();
  if (p <= 0) return std::nullopt;  // a default-constructed Schedule never fires
  switch (KindOf(period_)) {
    case EveryKind::kElapsed: {
      long long t = after.time_since_epoch().count();
      long long next = (t >= 0 ? t / p + 1 : -((-t) / p)) * p;
      if (next <= t) next += p;
      return SysSeconds(seconds(next));
    }
    case EveryKind::kDays: {
      const long long n = p / kDay.count();
      // Start one day early: a DST shift can put local midnight on the other side of `after`.
      auto day = date::floor<days>(zone.to_local(after)) - days(1);
      long long d = day.time_since_epoch().count();
      long long rem = ((d % n) + n) % n;
      if (rem != 0) day += days(n - rem);
      for (int i = 0; i < 4; ++i, day += days(n)) {
        SysSeconds t = ToSys(LocalSeconds(day), zone);
        if (t > after) return t;
      }
      return std::nullopt;
    }
    case EveryKind::kLocalClock: {
      LocalSeconds local = zone.to_local(after);
      auto day = date::floor<days>(local);
      long long slot = (local - LocalSeconds(day)).count() / p - 1;  // one early, as above
      LocalSeconds candidate = LocalSeconds(day) + seconds(slot * p);
      for (int i = 0; i < 2 * 86400 / p + 4; ++i, candidate += period_) {
        SysSeconds t = ToSys(candidate, zone);
        if (t > after) return t;
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<SysSeconds> Schedule::NextCron(SysSeconds after, const date::time_zone& zone) const {
  const CronSpec& c = *cron_;
  auto first_day = date::floor<days>(zone.to_local(after)) - days(1);
  for (int i = 0; i < kSearchDays; ++i) {
    auto day = first_day + days(i);
    if (!CronDayMatches(c, date::year_month_day(date::sys_days(day.time_since_epoch())))) continue;
    for (int h = 0; h < 24; ++h) {
      if (!c.hours.test(static_cast<size_t>(h))) continue;
      for (int m = 0; m < 60; ++m) {
        if (!c.minutes.test(static_cast<size_t>(m))) continue;
        SysSeconds t = ToSys(LocalSeconds(day) + hours(h) + minutes(m), zone);
        if (t > after) return t;
      }
    }
  }
  return std::nullopt;
}

seconds Schedule::NominalPeriod(SysSeconds now, const date::time_zone& zone) const {
  if (!cron_) return period_;
  auto a = NextAfter(now, zone);
  if (!a) return kDay;
  auto b = NextAfter(*a, zone);
  return b ? *b - *a : kDay;
}

std::string Schedule::Describe() const { return (cron_ ? "cron " : "every ") + text_; }

}  // namespace segsync
