// Schedule syntax of segsync.yaml: `every: 6h` durations and 5-field cron lines. The
// daemon's scheduler computes run times; here we only check what the user wrote.
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "config/config.h"

namespace segsync {

namespace {

struct CronField {
  const char* name;
  int min;
  int max;
  std::vector<std::string_view> names;  // names[i] stands for min + i
};

const CronField kCronFields[] = {
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day of month", 1, 31, {}},
    {"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
    {"day of week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
};

std::optional<int> CronValue(std::string_view s, const CronField& f) {
  for (size_t i = 0; i < f.names.size(); ++i) {
    if (s.size() == 3 && std::tolower(s[0]) == f.names[i][0] && std::tolower(s[1]) == f.names[i][1] &&
        std::tolower(s[2]) == f.names[i][2])
      return f.min + static_cast<int>(i);
  }
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// One comma-separated item: *, */n, a, a-b, a-b/n.
std::string CheckCronItem(std::string_view item, const CronField& f) {
  std::string_view range = item;
  size_t slash = item.find('/');
  if (slash != std::string_view::npos) {
    range = item.substr(0, slash);
    std::string_view step = item.substr(slash + 1);
    int v = 0;
    auto [p, ec] = std::from_chars(step.data(), step.data() + step.size(), v);
    if (step.empty() || ec != std::errc() || p != step.data() + step.size() || v <= 0)
      return fmt::format("bad step '{}' in the {} field", step, f.name);
  }
  if (range == "*") return {};
  size_t dash = range.find('-');
  std::string_view lo = range.substr(0, dash);
  std::string_view hi = dash == std::string_view::npos ? lo : range.substr(dash + 1);
  auto a = CronValue(lo, f), b = CronValue(hi, f);
  if (!a || !b) return fmt::format("'{}' is not a value of the {} field", item, f.name);
  if (*a < f.min || *a > f.max || *b < f.min || *b > f.max)
    return fmt::format("'{}' is out of range for the {} field ({}-{})", item, f.name, f.min, f.max);
  if (*a > *b) return fmt::format("range '{}' runs backwards in the {} field", item, f.name);
  return {};
}

}  // namespace

std::optional<int64_t> ParseDuration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return std::nullopt;
  }
  std::string_view digits = text.substr(0, text.size() - 1);
  int64_t n = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || p != digits.data() + digits.size() || n <= 0 || n > 366 * 86400)
    return std::nullopt;
  return n * unit;
}

std::string CheckCron(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  if (fields.size() != 5)
    return fmt::format("a cron line has 5 fields (minute hour day-of-month month day-of-week), "
                       "got {}",
                       fields.size());
  for (size_t k = 0; k < 5; ++k) {
    std::string_view field = fields[k];
    size_t start = 0;
    while (start <= field.size()) {
      size_t comma = field.find(',', start);
      if (comma == std::string_view::npos) comma = field.size();
      std::string why = CheckCronItem(field.substr(start, comma - start), kCronFields[k]);
      if (!why.empty()) return why;
      start = comma + 1;
    }
  }
  return {};
}

}  // namespace segsync
