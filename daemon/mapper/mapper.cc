#include "mapper/mapper.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "export/export_reader.h"
#include "export/utf8.h"

namespace segsync {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A cell shown in a message: cut, and JSON list marks made readable.
std::string Shown(std::string_view v) {
  std::string out;
  for (char c : v.substr(0, 60)) out += c == kJsonListMark ? '[' : c == kJsonListSep ? ',' : c;
  if (v.size() > 60) out += "...";
  return out;
}

// YYYY-MM-DD without the date library's year_month_day round trip (the hot path of every
// date column). Howard Hinnant's days_from_civil.
std::optional<Date> FastIsoDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int v[8];
  const int at[8] = {0, 1, 2, 3, 5, 6, 8, 9};
  for (int i = 0; i < 8; ++i) {
    unsigned d = static_cast<unsigned>(s[at[i]] - '0');
    if (d > 9) return std::nullopt;
    v[i] = static_cast<int>(d);
  }
  int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
  unsigned m = static_cast<unsigned>(v[4] * 10 + v[5]), d = static_cast<unsigned>(v[6] * 10 + v[7]);
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return std::nullopt;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return std::nullopt;
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return Date{era * 146097 + static_cast<int>(doe) - 719468};
}

// ParseCell, but writing into `slot` so that a string or list keeps its storage from the
// previous row (no allocation per cell in the common case). Same results as ParseCell;
// types without a fast path go through it.
bool AssignCell(const FieldDef& f, std::string_view text, const date::time_zone* tz, Value& slot,
                std::string* why) {
  std::string_view s = Trim(text);
  if (s.empty()) {
    slot = std::monostate{};
    return true;
  }
  switch (f.type) {
    case FieldType::kString:
      if (auto* str = std::get_if<std::string>(&slot)) str->assign(s);
      else slot.emplace<std::string>(s);
      return true;
    case FieldType::kInt: {
      std::string_view d = s.front() == '+' ? s.substr(1) : s;
      int64_t v = 0;
      auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), v);
      if (ec != std::errc() || p != d.data() + d.size()) {
        *why = "not an integer";
        return false;
      }
      slot = v;
      return true;
    }
    case FieldType::kDate:
      if (f.format.empty() && s.size() == 10) {
        if (auto d = FastIsoDate(s)) {
          slot = *d;
          return true;
        }
      }
      break;
    case FieldType::kList: {
      auto* items = std::get_if<std::vector<std::string>>(&slot);
      if (!items) items = &slot.emplace<std::vector<std::string>>();
      std::string_view sep = f.separator.empty() ? std::string_view(",") : f.separator;
      size_t n = 0, start = 0;
      while (start <= s.size()) {
        size_t end = s.find(sep, start);
        if (end == std::string_view::npos) end = s.size();
        std::string_view item = Trim(s.substr(start, end - start));
        if (!item.empty()) {
          if (n < items->size()) (*items)[n].assign(item);
          else items->emplace_back(item);
          ++n;
        }
        start = end + sep.size();
      }
      items->resize(n);
      return true;
    }
    default:
      break;
  }
  auto v = ParseCell(f, s, tz, why);
  if (!v) return false;
  slot = std::move(*v);
  return true;
}

}  // namespace

void NormalizeMobileInto(std::string_view text, std::string* out) {
  std::string& d = *out;
  d.clear();
  for (char c : text)
    if (c >= '0' && c <= '9') d += c;
  if (d.rfind("0086", 0) == 0) d.erase(0, 4);
  else if (d.size() == 13 && d.rfind("86", 0) == 0) d.erase(0, 2);
}

std::string NormalizeMobile(std::string_view text) {
  std::string d;
  NormalizeMobileInto(text, &d);
  return d;
}

std::optional<Mapper> Mapper::Bind(const Mapping& mapping, const ExportReader& reader,
                                   const date::time_zone* tz, DiagSink& sink) {
  return Bind(mapping, reader.header(), reader.format(), reader.name(), tz, sink);
}

std::optional<Mapper> Mapper::Bind(const Mapping& mapping, const std::vector<std::string>& header,
                                   ExportFormat format, const std::string& export_name,
                                   const date::time_zone* tz, DiagSink& sink) {
  Mapper m(mapping);
  m.jsonl_ = format == ExportFormat::kJsonl;
  m.export_name_ = export_name;
  m.tz_ = tz;
  std::vector<std::string> missing;
  auto find = [&](const std::string& column) -> int {
    auto it = std::find(header.begin(), header.end(), column);
    if (it != header.end()) return static_cast<int>(it - header.begin());
    if (std::find(missing.begin(), missing.end(), column) == missing.end()) missing.push_back(column);
    return -1;
  };
  for (const auto& f : mapping.schema.fields) m.fields_.push_back({&f, static_cast<size_t>(std::max(0, find(f.column)))});
  for (const auto& k : mapping.identity) {
    int at = find(k.column);
    if (k.kind == IdentityKind::kUnionId) m.unionid_ = at;
    if (k.kind == IdentityKind::kState) m.state_ = at;
    if (k.kind == IdentityKind::kMobile) m.mobile_ = at;
  }
  if (!missing.empty()) {
    std::string names;
    for (const auto& c : missing) names += (names.empty() ? "'" : ", '") + c + "'";
    sink.Error({export_name, 1, 0},
               fmt::format("the export has no column {} that the mapping {} reads (a schema "
                           "change in the CRM?); nothing was evaluated",
                           names, mapping.path),
               DidYouMean(missing.front(), header));
    return std::nullopt;
  }
  return m;
}

bool Mapper::Map(const RecordBatch& batch, size_t i, MappedRow* row, Diagnostic* error) const {
  auto cells = batch.record(i);
  Profile& p = row->profile;
  p.line = batch.lines[i];
  p.values.resize(fields_.size());
  auto fail = [&](const FieldDef& f, std::string_view value, const std::string& why) {
    // The row as cells, so that the formatter need not reread a large export for it.
    std::string row_text;
    for (size_t c = 0; c < cells.size() && row_text.size() < 400; ++c)
      row_text.append(c ? "," : "").append(cells[c].substr(0, 100));
    *error = Diagnostic{{export_name_, static_cast<int>(p.line), 0}, Severity::kError,
                        fmt::format("column '{}' (field {}): '{}' {}", f.column, f.name, Shown(value), why),
                        {}, ShownLine(row_text)};
    return false;
  };
  std::string why;
  for (size_t k = 0; k < fields_.size(); ++k) {
    const FieldDef& f = *fields_[k].field;
    std::string_view cell = cells[fields_[k].cell];
    if (jsonl_ && !cell.empty() && cell.front() == kJsonListMark) {
      if (f.type != FieldType::kList) return fail(f, cell, fmt::format("is a list, not a {}", FieldTypeName(f.type)));
      std::vector<std::string> items;
      cell.remove_prefix(1);
      while (!cell.empty()) {
        size_t sep = cell.find(kJsonListSep);
        std::string_view item = Trim(cell.substr(0, sep));
        if (!item.empty()) items.emplace_back(item);
        if (sep == std::string_view::npos) break;
        cell.remove_prefix(sep + 1);
      }
      if (items.empty()) p.values[k] = std::monostate{};
      else p.values[k] = std::move(items);
      continue;
    }
    if (!AssignCell(f, cell, tz_, p.values[k], &why)) return fail(f, cell, "is " + why);
  }
  if (auto* id = std::get_if<std::string>(&p.values[0])) {
    p.id.assign(*id);
  } else {
    return fail(*fields_[0].field, "", "is empty: every row needs its key");
  }
  Identity& ident = row->identity;
  auto take = [&](int at, std::string& out) {
    if (at < 0) out.clear();
    else out.assign(Trim(cells[at]));
  };
  take(unionid_, ident.unionid);
  take(state_, ident.state);
  if (mobile_ < 0) ident.mobile.clear();
  else NormalizeMobileInto(cells[mobile_], &ident.mobile);
  return true;
}

size_t Mapper::MapBatch(const RecordBatch& batch, std::vector<MappedRow>& rows,
                        std::vector<Diagnostic>* errors) const {
  if (rows.size() < batch.size()) rows.resize(batch.size());
  size_t n = 0;
  size_t first_error = errors->size();
  errors->insert(errors->end(), batch.errors.begin(), batch.errors.end());
  bool merged = batch.errors.empty();
  for (size_t i = 0; i < batch.size(); ++i) {
    Diagnostic err;
    if (Map(batch, i, &rows[n], &err)) {
      ++n;
    } else {
      errors->push_back(std::move(err));
      merged = false;
    }
  }
  if (!merged)
    std::stable_sort(errors->begin() + static_cast<std::ptrdiff_t>(first_error), errors->end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.pos.line < b.pos.line; });
  return n;
}

}  // namespace segsync
