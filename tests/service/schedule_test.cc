// Next-fire tables for `every` and `cron`, across month ends, leap days and DST, in
// Asia/Shanghai (UTC+8, no DST) and Europe/London (2026: spring forward 03-29 01:00Z,
// fall back 10-25 01:00Z). Expected instants are written in UTC, worked out by hand.
#include <sstream>

#include <doctest/doctest.h>

#include "service/schedule.h"

namespace segsync {
namespace {

SysSeconds Utc(const std::string& text) {
  std::istringstream in(text);
  SysSeconds t;
  in >> date::parse("%Y-%m-%dT%H:%M:%SZ", t);
  REQUIRE_MESSAGE(!in.fail(), "bad test time " << text);
  return t;
}

std::string Show(std::optional<SysSeconds> t) {
  return t ? date::format("%Y-%m-%dT%H:%M:%SZ", *t) : std::string("none");
}

Schedule Make(const std::string& spec) {
  auto s = spec.rfind("every ", 0) == 0 ? Schedule::Every(spec.substr(6)) : Schedule::Cron(spec);
  REQUIRE_MESSAGE(s.ok(), spec << ": " << (s.ok() ? "" : s.error().message));
  return *s;
}

struct NextCase {
  const char* zone;
  const char* schedule;
  const char* after;
  const char* expected;
};

const NextCase kCases[] = {
    // Asia/Shanghai: plain days, month and year ends, leap day, the day OR rule.
    {"Asia/Shanghai", "0 2 * * *", "2026-12-04T16:00:00Z", "2026-12-04T18:00:00Z"},
    {"Asia/Shanghai", "0 2 * * *", "2026-12-04T18:00:00Z", "2026-12-05T18:00:00Z"},  // strictly after
    {"Asia/Shanghai", "0 0 31 * *", "2026-04-15T00:00:00Z", "2026-05-30T16:00:00Z"},  // skips 30-day April
    {"Asia/Shanghai", "0 0 29 2 *", "2025-03-01T00:00:00Z", "2028-02-28T16:00:00Z"},  // next leap day
    {"Asia/Shanghai", "59 23 31 12 *", "2026-12-31T15:59:00Z", "2027-12-31T15:59:00Z"},
    {"Asia/Shanghai", "0 0 1 * *", "2026-12-04T00:00:00Z", "2026-12-31T16:00:00Z"},  // into next year
    {"Asia/Shanghai", "0 9 1 * MON", "2026-12-01T02:00:00Z", "2026-12-07T01:00:00Z"},  // Monday first
    {"Asia/Shanghai", "0 9 1 * MON", "2026-12-28T02:00:00Z", "2027-01-01T01:00:00Z"},  // the 1st first
    {"Asia/Shanghai", "30 8 * * 1-5", "2026-12-04T01:00:00Z", "2026-12-07T00:30:00Z"},  // Fri -> Mon
    {"Asia/Shanghai", "*/15 9-17 * * *", "2026-12-04T01:07:00Z", "2026-12-04T01:15:00Z"},
    {"Asia/Shanghai", "*/15 9-17 * * *", "2026-12-04T09:50:00Z", "2026-12-05T01:00:00Z"},
    {"Asia/Shanghai", "0 12 * * 7", "2026-12-04T00:00:00Z", "2026-12-06T04:00:00Z"},  // 7 = Sunday
    {"Asia/Shanghai", "0 0 1 JAN,jul *", "2027-01-01T00:00:00Z", "2027-06-30T16:00:00Z"},
    {"Asia/Shanghai", "10/20 * * * *", "2026-12-04T00:31:00Z", "2026-12-04T00:50:00Z"},
    {"Asia/Shanghai", "@daily", "2026-12-04T00:00:00Z", "2026-12-04T16:00:00Z"},
    {"Asia/Shanghai", "every 6h", "2026-12-04T03:00:00Z", "2026-12-04T04:00:00Z"},  // 12:00 local
    {"Asia/Shanghai", "every 30m", "2026-12-04T03:10:00Z", "2026-12-04T03:30:00Z"},
    {"Asia/Shanghai", "every 1s", "2026-12-04T03:00:00Z", "2026-12-04T03:00:01Z"},
    {"Asia/Shanghai", "every 1d", "2026-12-04T03:00:00Z", "2026-12-04T16:00:00Z"},  // local midnight
    {"Asia/Shanghai", "every 2d", "2026-12-04T03:00:00Z", "2026-12-04T16:00:00Z"},  // day 20792 even
    {"Asia/Shanghai", "every 2d", "2026-12-04T16:00:00Z", "2026-12-06T16:00:00Z"},
    {"Asia/Shanghai", "every 1d", "2026-02-28T16:00:00Z", "2026-03-01T16:00:00Z"},  // Feb end
    // Europe/London, spring forward: local 01:00-01:59 does not exist on 2026-03-29.
    {"Europe/London", "30 1 * * *", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"},  // gap: at its end
    {"Europe/London", "30 1 * * *", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},  // only once
    {"Europe/London", "0 2 * * *", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"},
    {"Europe/London", "every 6h", "2026-03-29T00:30:00Z", "2026-03-29T05:00:00Z"},  // 06:00 BST
    {"Europe/London", "every 1h", "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z"},
    {"Europe/London", "every 1h", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"},
    {"Europe/London", "every 1d", "2026-03-29T12:00:00Z", "2026-03-29T23:00:00Z"},  // 00:00 BST
    {"Europe/London", "0 23 31 3 *", "2026-03-01T00:00:00Z", "2026-03-31T22:00:00Z"},
    // Europe/London, fall back: local 01:00-01:59 happens twice on 2026-10-25.
    {"Europe/London", "30 1 * * *", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"},  // first one
    {"Europe/London", "30 1 * * *", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},  // not twice
    {"Europe/London", "0 * * * *", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"},
    {"Europe/London", "every 30m", "2026-10-25T00:45:00Z", "2026-10-25T01:00:00Z"},  // elapsed time
    {"Europe/London", "every 1d", "2026-10-25T12:00:00Z", "2026-10-26T00:00:00Z"},  // 00:00 GMT
};

TEST_CASE("schedule: next fire table") {
  for (const auto& c : kCases) {
    CAPTURE(c.zone);
    CAPTURE(c.schedule);
    CAPTURE(c.after);
    const date::time_zone* zone = date::locate_zone(c.zone);
    Schedule s = Make(c.schedule);
    CHECK(Show(s.NextAfter(Utc(c.after), *zone)) == c.expected);
  }
}

TEST_CASE("schedule: consecutive fires are strictly increasing through a DST year") {
  const date::time_zone* zone = date::locate_zone("Europe/London");
  for (const char* spec : {"*/20 * * * *", "30 1 * * *", "every 90m", "every 7h", "0 0 * * SUN"}) {
    CAPTURE(spec);
    Schedule s = Make(spec);
    SysSeconds t = Utc("2026-01-01T00:00:00Z");
    int fires = 0;
    while (t < Utc("2027-01-01T00:00:00Z")) {
      auto next = s.NextAfter(t, *zone);
      REQUIRE(next.has_value());
      REQUIRE(*next > t);
      t = *next;
      ++fires;
    }
    if (std::string(spec) == "30 1 * * *") CHECK(fires == 365 + 1);  // one per day, none lost
    if (std::string(spec) == "0 0 * * SUN") CHECK(fires == 52 + 1);
  }
}

TEST_CASE("schedule: nominal period") {
  const date::time_zone* sh = date::locate_zone("Asia/Shanghai");
  SysSeconds now = Utc("2026-12-04T01:00:00Z");
  CHECK(Make("every 6h").NominalPeriod(now, *sh) == std::chrono::hours(6));
  CHECK(Make("0 2 * * *").NominalPeriod(now, *sh) == std::chrono::hours(24));
  CHECK(Make("*/10 * * * *").NominalPeriod(now, *sh) == std::chrono::minutes(10));
  CHECK(Make("every 45s").Describe() == "every 45s");
  CHECK(Make("0 2 * * *").Describe() == "cron 0 2 * * *");
}

struct BadCase {
  const char* text;
  bool cron;
  const char* message_part;
  int offset;
};

const BadCase kBad[] = {
    {"", false, "whole number", 0},
    {"6", false, "unknown unit ''", 1},
    {"6x", false, "unknown unit 'x'", 1},
    {"0s", false, "between 1s and 366d", 0},
    {"367d", false, "between 1s and 366d", 0},
    {"-1h", false, "whole number", 0},
    {"1.5h", false, "unknown unit '.5h'", 1},
    {"* * * *", true, "needs 5 fields", 0},
    {"* * * * * *", true, "needs 5 fields", 0},
    {"60 * * * *", true, "minute field: value '60' is out of range 0-59", 0},
    {"0 24 * * *", true, "hour field: value '24' is out of range 0-23", 2},
    {"0 0 0 * *", true, "day-of-month field: value '0' is out of range 1-31", 4},
    {"0 0 * 13 *", true, "month field: value '13' is out of range 1-12", 6},
    {"0 0 * * 8", true, "day-of-week field: value '8' is out of range 0-7", 8},
    {"*/0 * * * *", true, "minute field: bad step '0'", 0},
    {"5-1 * * * *", true, "range '5-1' goes backwards", 0},
    {"1,,2 * * * *", true, "empty list item", 2},
    {"0 0 * FOO *", true, "month field: bad value 'FOO'", 6},
    {"0 0 * * MON-", true, "bad range 'MON-'", 8},
    {"@often", true, "unknown cron macro", 0},
};

TEST_CASE("schedule: bad input names the field and the offset") {
  for (const auto& b : kBad) {
    CAPTURE(b.text);
    std::variant<std::chrono::seconds, ScheduleError> every;
    std::string message;
    int offset = -1;
    if (b.cron) {
      auto r = ParseCronText(b.text);
      REQUIRE(std::holds_alternative<ScheduleError>(r));
      message = std::get<ScheduleError>(r).message;
      offset = std::get<ScheduleError>(r).offset;
      CHECK_FALSE(Schedule::Cron(b.text).ok());
    } else {
      auto r = ParseEveryText(b.text);
      REQUIRE(std::holds_alternative<ScheduleError>(r));
      message = std::get<ScheduleError>(r).message;
      offset = std::get<ScheduleError>(r).offset;
      CHECK_FALSE(Schedule::Every(b.text).ok());
    }
    CHECK_MESSAGE(message.find(b.message_part) != std::string::npos, message);
    CHECK(offset == b.offset);
  }
}

TEST_CASE("schedule: a cron that never fires is refused") {
  auto s = Schedule::Cron("0 0 30 2 *");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.find("never fires") != std::string::npos);
  CHECK(Schedule::Cron("0 0 31 4 FRI").ok());  // OR rule: every Friday of April still fires
  CHECK(Schedule::Cron(std::string(300, '*')).ok() == false);
}

TEST_CASE("schedule: FromConfig reports FILE:LINE:COL") {
  DiagSink sink;
  SourcePos every_pos{"segsync.yaml", 14, 10};
  SourcePos cron_pos{"segsync.yaml", 15, 9};
  CHECK_FALSE(Schedule::FromConfig("", every_pos, "0 25 * * *", cron_pos, sink).has_value());
  REQUIRE(sink.diagnostics().size() == 1);
  CHECK(sink.diagnostics()[0].pos.line == 15);
  CHECK(sink.diagnostics()[0].pos.col == 11);
  CHECK(sink.diagnostics()[0].message.find("hour field") != std::string::npos);

  DiagSink both;
  CHECK_FALSE(Schedule::FromConfig("6h", every_pos, "0 2 * * *", cron_pos, both).has_value());
  CHECK(both.diagnostics().at(0).message.find("not both") != std::string::npos);
  DiagSink none;
  CHECK_FALSE(Schedule::FromConfig("", every_pos, "", cron_pos, none).has_value());
  CHECK(none.error_count() == 1);
  DiagSink ok;
  auto s = Schedule::FromConfig("6h", every_pos, "", cron_pos, ok);
  REQUIRE(s.has_value());
  CHECK(s->period() == std::chrono::hours(6));
  CHECK(ok.ok());
}

}  // namespace
}  // namespace segsync
