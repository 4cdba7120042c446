// The run's single "as of" instant (spec §1 --as-of, §4): rules are evaluated as of one
// instant, in the configured time zone.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "mapper/profile.h"

namespace date {
class time_zone;
}

namespace segsync {

// Now, as a DateTime.
DateTime Now();

// `text` is empty (now), a date YYYY-MM-DD (that day's start in `tz`), or an ISO 8601
// date-time with or without an offset (without: local to `tz`). kInvalidInput otherwise,
// with a message that shows the accepted forms.
Result<DateTime> ParseAsOf(std::string_view text, const date::time_zone* tz);

// "2026-12-01T00:00:00+08:00": the instant in `tz` with its offset (spec §5 as_of).
std::string FormatInstant(DateTime t, const date::time_zone* tz);

}  // namespace segsync
