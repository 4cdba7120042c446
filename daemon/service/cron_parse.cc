// Parsing of the five-field cron expression and the `every` duration (see schedule.h).
#include <cctype>
#include <charconv>
#include <string>
#include <vector>

#include "service/schedule.h"

namespace segsync {

namespace {

constexpr size_t kMaxScheduleText = 256;  // every input has a cap

struct FieldDef {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names[i] means min + i; nullptr when the field has none
};

const char* const kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                   "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", nullptr};
const char* const kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", nullptr};

const FieldDef kFields[5] = {
    {"minute", 0, 59, nullptr},     {"hour", 0, 23, nullptr},
    {"day-of-month", 1, 31, nullptr}, {"month", 1, 12, kMonthNames},
    {"day-of-week", 0, 7, kDayNames},  // 7 is Sunday too
};

struct Token {
  std::string_view text;
  int offset;
};

std::vector<Token> SplitFields(std::string_view text) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) out.push_back({text.substr(start, i - start), static_cast<int>(start)});
  }
  return out;
}

// A number or (where the field has them) a three-letter name. Returns false if neither.
bool ParseValue(std::string_view s, const FieldDef& f, int* out) {
  if (s.empty()) return false;
  if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && p == s.data() + s.size();
  }
  if (!f.names || s.size() != 3) return false;
  for (int i = 0; f.names[i]; ++i) {
    bool same = true;
    for (int k = 0; k < 3; ++k)
      same = same && std::toupper(static_cast<unsigned char>(s[k])) == f.names[i][k];
    if (same) {
      *out = f.min + i;
      return true;
    }
  }
  return false;
}

// Parses one field into `allowed` (indexed by value). Returns an error or nullopt.
std::optional<ScheduleError> ParseField(const Token& tok, const FieldDef& f,
                                        std::vector<bool>& allowed) {
  allowed.assign(static_cast<size_t>(f.max) + 1, false);
  size_t pos = 0;
  std::string_view all = tok.text;
  while (pos <= all.size()) {
    size_t comma = all.find(',', pos);
    if (comma == std::string_view::npos) comma = all.size();
    std::string_view item = all.substr(pos, comma - pos);
    int item_offset = tok.offset + static_cast<int>(pos);
    auto fail = [&](const std::string& why) {
      return ScheduleError{"cron " + std::string(f.name) + " field: " + why, item_offset};
    };
    if (item.empty()) return fail("empty list item in '" + std::string(all) + "'");
    std::string_view range = item;
    int step = 1;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      std::string_view step_text = item.substr(slash + 1);
      auto [p, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (ec != std::errc() || p != step_text.data() + step_text.size() || step < 1 ||
          step > f.max)
        return fail("bad step '" + std::string(step_text) + "' (expected 1-" +
                    std::to_string(f.max) + ")");
    }
    int lo = f.min, hi = f.max;
    if (range == "*") {
      if (f.max == 7) hi = 6;  // '*' in day-of-week: 0-6, 7 would repeat Sunday
    } else if (size_t dash = range.find('-'); dash != std::string_view::npos) {
      if (!ParseValue(range.substr(0, dash), f, &lo) || !ParseValue(range.substr(dash + 1), f, &hi))
        return fail("bad range '" + std::string(range) + "'");
      if (lo > hi) return fail("range '" + std::string(range) + "' goes backwards");
    } else {
      if (!ParseValue(range, f, &lo)) return fail("bad value '" + std::string(range) + "'");
      // "5/10" means 5-max/10; a plain "5" means just 5.
      hi = item.find('/') != std::string_view::npos ? f.max : lo;
    }
    if (lo < f.min || hi > f.max)
      return fail("value '" + std::string(range) + "' is out of range " + std::to_string(f.min) +
                  "-" + std::to_string(f.max));
    for (int v = lo; v <= hi; v += step) allowed[static_cast<size_t>(v)] = true;
    pos = comma + 1;
  }
  return std::nullopt;
}

std::string_view ExpandMacro(std::string_view text) {
  if (text == "@hourly") return "0 * * * *";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  return {};
}

}  // namespace

std::variant<std::chrono::seconds, ScheduleError> ParseEveryText(std::string_view text) {
  if (text.size() > kMaxScheduleText) return ScheduleError{"schedule.every is too long", 0};
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  long long n = 0;
  if (i == 0 || i > 9) {
    return ScheduleError{"schedule.every must be a whole number followed by s, m, h or d (e.g. "
                         "30m, 6h), got '" + std::string(text) + "'", 0};
  }
  std::from_chars(text.data(), text.data() + i, n);
  std::string_view unit = text.substr(i);
  long long mult = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
  if (mult == 0) {
    return ScheduleError{"schedule.every: unknown unit '" + std::string(unit) +
                         "' (expected s, m, h or d)", static_cast<int>(i)};
  }
  long long secs = n * mult;
  if (secs < 1 || secs > 366LL * 86400)
    return ScheduleError{"schedule.every must be between 1s and 366d", 0};
  return std::chrono::seconds(secs);
}

std::variant<CronSpec, ScheduleError> ParseCronText(std::string_view text) {
  if (text.size() > kMaxScheduleText) return ScheduleError{"schedule.cron is too long", 0};
  if (!text.empty() && text[0] == '@') {
    std::string_view expanded = ExpandMacro(text);
    if (expanded.empty())
      return ScheduleError{"unknown cron macro '" + std::string(text) +
                           "' (expected @hourly, @daily, @weekly, @monthly or @yearly)", 0};
    text = expanded;
  }
  std::vector<Token> fields = SplitFields(text);
  if (fields.size() != 5) {
    return ScheduleError{"schedule.cron needs 5 fields (minute hour day-of-month month "
                         "day-of-week), got " + std::to_string(fields.size()), 0};
  }
  CronSpec spec;
  std::vector<bool> allowed;
  for (int i = 0; i < 5; ++i) {
    if (auto err = ParseField(fields[i], kFields[i], allowed)) return *err;
    for (int v = kFields[i].min; v <= kFields[i].max; ++v) {
      if (!allowed[static_cast<size_t>(v)]) continue;
      switch (i) {
        case 0: spec.minutes.set(static_cast<size_t>(v)); break;
        case 1: spec.hours.set(static_cast<size_t>(v)); break;
        case 2: spec.days_of_month.set(static_cast<size_t>(v)); break;
        case 3: spec.months.set(static_cast<size_t>(v)); break;
        case 4: spec.days_of_week.set(static_cast<size_t>(v % 7)); break;
      }
    }
  }
  spec.dom_restricted = fields[2].text[0] != '*';
  spec.dow_restricted = fields[4].text[0] != '*';
  return spec;
}

bool CronDayMatches(const CronSpec& spec, date::year_month_day ymd) {
  if (!spec.months.test(static_cast<unsigned>(ymd.month()))) return false;
  bool dom = spec.days_of_month.test(static_cast<unsigned>(ymd.day()));
  bool dow = spec.days_of_week.test(date::weekday(date::sys_days(ymd)).c_encoding());
  if (spec.dom_restricted && spec.dow_restricted) return dom || dow;
  if (spec.dom_restricted) return dom;
  if (spec.dow_restricted) return dow;
  return true;
}

}  // namespace segsync
