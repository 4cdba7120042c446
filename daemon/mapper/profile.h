// Typed profile values: what one CRM row becomes after the mapping (spec §3).
//
// Shared by the mapper (which builds profiles), the rules engine (which evaluates them)
// and rule `examples` (which are parsed with the same cell parser as the export).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/diag.h"

namespace date {
class time_zone;
}

namespace segsync {

enum class FieldType { kString, kInt, kNumber, kBool, kDate, kDateTime, kList };

// Days since 1970-01-01 in the proleptic Gregorian calendar (a civil date, no zone).
struct Date {
  int32_t days = 0;
  auto operator<=>(const Date&) const = default;
};

// An instant: seconds since the Unix epoch, UTC.
struct DateTime {
  int64_t seconds = 0;
  auto operator<=>(const DateTime&) const = default;
};

// std::monostate is a missing value: an empty cell is missing, not an empty string.
using Value = std::variant<std::monostate, std::string, int64_t, double, bool, Date, DateTime,
                           std::vector<std::string>>;

inline bool IsMissing(const Value& v) { return std::holds_alternative<std::monostate>(v); }

// One typed field of the mapping.
struct FieldDef {
  std::string name;
  std::string column;  // the export's column (CSV header or JSON key)
  FieldType type = FieldType::kString;
  std::vector<std::string> true_values{"true", "TRUE", "True", "1", "Y", "y", "yes", "Yes"};
  std::vector<std::string> false_values{"false", "FALSE", "False", "0", "N", "n", "no", "No"};
  std::string format;     // date/datetime: a date::parse format; empty means ISO 8601
  std::string separator;  // list: the separator between items (default ",")
  SourcePos pos;          // where the field is declared, for diagnostics
};

// The ordered field list; a Profile's values are indexed the same way. Field 0 is always `id`.
struct Schema {
  std::vector<FieldDef> fields;
  // Index of `name`, or -1.
  int IndexOf(std::string_view name) const;
  std::vector<std::string> Names() const;
};

struct Profile {
  std::string id;             // the CRM key (`key:` column)
  std::vector<Value> values;  // parallel to Schema::fields
  int64_t line = 0;           // where the row starts in the export, for messages
};

// Parses one cell as its field's type. Empty (after trimming spaces) is missing.
// On failure returns nullopt and sets *why to a short reason ("not an integer").
// `tz` interprets date-times written without an offset; it may be null (then UTC).
std::optional<Value> ParseCell(const FieldDef& field, std::string_view text,
                               const date::time_zone* tz, std::string* why);

// Human form for explain/test output: strings quoted, dates ISO, lists bracketed, "missing".
std::string FormatValue(const Value& v);

const char* FieldTypeName(FieldType t);
std::optional<FieldType> ParseFieldType(std::string_view name);

// Calendar helpers.
Date DateFromYmd(int y, unsigned m, unsigned d);
std::string FormatDate(Date d);
std::optional<Date> ParseIsoDate(std::string_view s);  // YYYY-MM-DD only

}  // namespace segsync
