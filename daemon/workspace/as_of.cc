#include "workspace/as_of.h"

#include <chrono>

#include <date/tz.h>
#include <fmt/format.h>

namespace segsync {

DateTime Now() {
  auto now = std::chrono::system_clock::now();
  return DateTime{std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()};
}

Result<DateTime> ParseAsOf(std::string_view text, const date::time_zone* tz) {
  if (text.empty()) return Now();
  FieldDef field;
  field.name = "as-of";
  field.type = FieldType::kDateTime;
  std::string why;
  std::optional<Value> v = ParseCell(field, text, tz, &why);
  if (!v || !std::holds_alternative<DateTime>(*v)) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("--as-of '{}' is not a date or date-time; use YYYY-MM-DD, "
                             "YYYY-MM-DDTHH:MM[:SS] (in the configured time zone) or add an "
                             "offset such as +08:00",
                             text)};
  }
  return std::get<DateTime>(*v);
}

std::string FormatInstant(DateTime t, const date::time_zone* tz) {
  date::sys_seconds sys{std::chrono::seconds{t.seconds}};
  if (!tz) return date::format("%FT%T+00:00", sys);
  auto zoned = date::make_zoned(tz, sys);
  std::string s = date::format("%FT%T%z", zoned);
  // %z gives +0800; spec §5 writes +08:00.
  if (s.size() >= 5) s.insert(s.size() - 2, ":");
  return s;
}

}  // namespace segsync
