#include "mapper/profile.h"

#include <charconv>
#include <cmath>
#include <sstream>

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

namespace segsync {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool Contains(const std::vector<std::string>& list, std::string_view v) {
  for (const auto& s : list)
    if (s == v) return true;
  return false;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ParseNumber(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<Date> ParseDateWithFormat(std::string_view s, const std::string& format) {
  std::istringstream in{std::string(s)};
  date::sys_days d;
  in >> date::parse(format, d);
  if (in.fail()) return std::nullopt;
  in.peek();
  if (!in.eof()) return std::nullopt;
  return Date{static_cast<int32_t>(d.time_since_epoch().count())};
}

// ISO 8601: "YYYY-MM-DD[T ]hh:mm[:ss[.fff]]" with optional "Z" or "+hh:mm"/"+hhmm".
// Without an offset the time is local to `tz`.
std::optional<DateTime> ParseIsoDateTime(std::string_view s, const date::time_zone* tz) {
  if (s.size() < 16) {
    // A bare date is midnight local time.
    auto d = ParseIsoDate(s);
    if (!d) return std::nullopt;
    date::local_seconds local{date::local_days{date::days{d->days}}};
    int64_t secs = tz ? tz->to_sys(local, date::choose::earliest).time_since_epoch().count()
                      : local.time_since_epoch().count();
    return DateTime{secs};
  }
  auto d = ParseIsoDate(s.substr(0, 10));
  if (!d || (s[10] != 'T' && s[10] != ' ')) return std::nullopt;
  auto two = [&](size_t at) -> int {
    if (at + 2 > s.size() || !isdigit(static_cast<unsigned char>(s[at])) ||
        !isdigit(static_cast<unsigned char>(s[at + 1])))
      return -1;
    return (s[at] - '0') * 10 + (s[at + 1] - '0');
  };
  int hh = two(11), mm = (s[13] == ':') ? two(14) : -1, ss = 0;
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return std::nullopt;
  size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    ss = two(pos + 1);
    if (ss < 0 || ss > 60) return std::nullopt;
    pos += 3;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      while (pos < s.size() && isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    }
  }
  int64_t local = int64_t{d->days} * 86400 + hh * 3600 + mm * 60 + ss;
  if (pos == s.size()) {
    if (!tz) return DateTime{local};
    date::local_seconds ls{std::chrono::seconds{local}};
    return DateTime{tz->to_sys(ls, date::choose::earliest).time_since_epoch().count()};
  }
  std::string_view off = s.substr(pos);
  if (off == "Z" || off == "z") return DateTime{local};
  if (off.size() < 3 || (off[0] != '+' && off[0] != '-')) return std::nullopt;
  int oh = two(pos + 1), om = 0;
  if (oh < 0) return std::nullopt;
  if (off.size() == 6 && off[3] == ':') om = two(pos + 4);
  else if (off.size() == 5) om = two(pos + 3);
  else if (off.size() != 3) return std::nullopt;
  if (om < 0) return std::nullopt;
  int64_t offset = (oh * 3600 + om * 60) * (off[0] == '-' ? -1 : 1);
  return DateTime{local - offset};
}

}  // namespace

int Schema::IndexOf(std::string_view name) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == name) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> Schema::Names() const {
  std::vector<std::string> out;
  for (const auto& f : fields) out.push_back(f.name);
  return out;
}

Date DateFromYmd(int y, unsigned m, unsigned d) {
  date::sys_days sd = date::year{y} / date::month{m} / date::day{d};
  return Date{static_cast<int32_t>(sd.time_since_epoch().count())};
}

std::string FormatDate(Date d) {
  date::year_month_day ymd{date::sys_days{date::days{d.days}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::optional<Date> ParseIsoDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  for (size_t i : {0, 1, 2, 3}) {
    if (!isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    y = y * 10 + (s[i] - '0');
  }
  for (size_t i : {5, 6}) {
    if (!isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    m = m * 10 + (s[i] - '0');
  }
  for (size_t i : {8, 9}) {
    if (!isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    d = d * 10 + (s[i] - '0');
  }
  date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return Date{static_cast<int32_t>(date::sys_days{ymd}.time_since_epoch().count())};
}

std::optional<Value> ParseCell(const FieldDef& field, std::string_view text,
                               const date::time_zone* tz, std::string* why) {
  std::string_view s = Trim(text);
  if (s.empty()) return Value{};
  switch (field.type) {
    case FieldType::kString:
      return Value{std::string(s)};
    case FieldType::kInt:
      if (auto v = ParseInt(s)) return Value{*v};
      *why = "not an integer";
      return std::nullopt;
    case FieldType::kNumber:
      if (auto v = ParseNumber(s)) return Value{*v};
      *why = "not a number";
      return std::nullopt;
    case FieldType::kBool:
      if (Contains(field.true_values, s)) return Value{true};
      if (Contains(field.false_values, s)) return Value{false};
      *why = "not one of the true/false values of the mapping";
      return std::nullopt;
    case FieldType::kDate: {
      auto d = field.format.empty() ? ParseIsoDate(s) : ParseDateWithFormat(s, field.format);
      if (d) return Value{*d};
      // A full ISO date-time in a date column is accepted: its local date counts.
      if (field.format.empty() && s.size() > 10) {
        if (auto dt = ParseIsoDateTime(s, tz)) {
          date::sys_seconds sys{std::chrono::seconds{dt->seconds}};
          auto local = tz ? tz->to_local(sys).time_since_epoch() : sys.time_since_epoch();
          return Value{Date{static_cast<int32_t>(
              std::chrono::floor<date::days>(local).count())}};
        }
      }
      *why = field.format.empty() ? "not a date (expected YYYY-MM-DD)"
                                  : fmt::format("not a date in the format '{}'", field.format);
      return std::nullopt;
    }
    case FieldType::kDateTime: {
      if (field.format.empty()) {
        if (auto dt = ParseIsoDateTime(s, tz)) return Value{*dt};
        *why = "not an ISO 8601 date-time";
        return std::nullopt;
      }
      std::istringstream in{std::string(s)};
      date::local_seconds ls;
      in >> date::parse(field.format, ls);
      if (in.fail()) {
        *why = fmt::format("not a date-time in the format '{}'", field.format);
        return std::nullopt;
      }
      int64_t secs = tz ? tz->to_sys(ls, date::choose::earliest).time_since_epoch().count()
                        : ls.time_since_epoch().count();
      return Value{DateTime{secs}};
    }
    case FieldType::kList: {
      std::vector<std::string> items;
      std::string_view sep = field.separator.empty() ? std::string_view(",") : field.separator;
      size_t start = 0;
      while (start <= s.size()) {
        size_t end = s.find(sep, start);
        if (end == std::string_view::npos) end = s.size();
        std::string_view item = Trim(s.substr(start, end - start));
        if (!item.empty()) items.emplace_back(item);
        start = end + sep.size();
      }
      return Value{std::move(items)};
    }
  }
  *why = "unknown type";
  return std::nullopt;
}

std::string FormatValue(const Value& v) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "missing"; }
    std::string operator()(const std::string& s) const { return fmt::format("\"{}\"", s); }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt::format("{}", d); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(Date d) const { return FormatDate(d); }
    std::string operator()(DateTime t) const {
      date::sys_seconds s{std::chrono::seconds{t.seconds}};
      return date::format("%FT%TZ", s);
    }
    std::string operator()(const std::vector<std::string>& l) const {
      std::string out = "[";
      for (size_t i = 0; i < l.size(); ++i) out += (i ? ", \"" : "\"") + l[i] + "\"";
      return out + "]";
    }
  };
  return std::visit(Visitor{}, v);
}

const char* FieldTypeName(FieldType t) {
  switch (t) {
    case FieldType::kString: return "string";
    case FieldType::kInt: return "int";
    case FieldType::kNumber: return "number";
    case FieldType::kBool: return "bool";
    case FieldType::kDate: return "date";
    case FieldType::kDateTime: return "datetime";
    case FieldType::kList: return "list";
  }
  return "string";
}

std::optional<FieldType> ParseFieldType(std::string_view name) {
  for (auto t : {FieldType::kString, FieldType::kInt, FieldType::kNumber, FieldType::kBool,
                 FieldType::kDate, FieldType::kDateTime, FieldType::kList})
    if (name == FieldTypeName(t)) return t;
  return std::nullopt;
}

}  // namespace segsync
