#include "mapper/mapper.h"

#include <algorithm>

#include <fmt/format.h>

#include "export/export_reader.h"

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

}  // namespace

std::string NormalizeMobile(std::string_view text) {
  std::string d;
  for (char c : text)
    if (c >= '0' && c <= '9') d += c;
  if (d.rfind("0086", 0) == 0) d.erase(0, 4);
  else if (d.size() == 13 && d.rfind("86", 0) == 0) d.erase(0, 2);
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
    *error = Diagnostic{{export_name_, static_cast<int>(p.line), 0}, Severity::kError,
                        fmt::format("column '{}' (field {}): '{}' {}", f.column, f.name, Shown(value), why),
                        {}, {}};
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
    auto v = ParseCell(f, cell, tz_, &why);
    if (!v) return fail(f, cell, "is " + why);
    p.values[k] = std::move(*v);
  }
  if (auto* id = std::get_if<std::string>(&p.values[0])) {
    p.id = *id;
  } else {
    return fail(*fields_[0].field, "", "is empty: every row needs its key");
  }
  Identity& ident = row->identity;
  auto take = [&](int at) { return at < 0 ? std::string() : std::string(Trim(cells[at])); };
  ident.unionid = take(unionid_);
  ident.state = take(state_);
  ident.mobile = mobile_ < 0 ? std::string() : NormalizeMobile(cells[mobile_]);
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
