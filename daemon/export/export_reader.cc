#include "export/export_reader.h"

#include <fmt/format.h>

#include "export/readers.h"

namespace segsync {

namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

ExportFormat DetectFormat(const std::string& path, ExportFormat configured) {
  if (configured != ExportFormat::kAuto) return configured;
  if (EndsWith(path, ".jsonl") || EndsWith(path, ".ndjson") || EndsWith(path, ".JSONL"))
    return ExportFormat::kJsonl;
  return ExportFormat::kCsv;
}

std::unique_ptr<ExportReader> ExportReader::Open(const std::string& path,
                                                 const ReaderOptions& options, DiagSink& sink) {
  if (DetectFormat(path, options.format) == ExportFormat::kJsonl)
    return OpenJsonlReader(path, options, sink);
  return OpenCsvReader(path, options, sink);
}

int ExportReader::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return static_cast<int>(i);
  return -1;
}

bool CheckHeader(const std::vector<std::string>& header, const std::string& name,
                 const ReaderOptions& options, DiagSink& sink) {
  if (header.size() > options.max_columns) {
    sink.Error({name, 1, 0}, fmt::format("the header has {} columns, over the cap of {}",
                                         header.size(), options.max_columns));
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i].empty()) {
      sink.Error({name, 1, 0}, fmt::format("column {} of the header has no name", i + 1));
      ok = false;
    }
    for (size_t j = 0; j < i; ++j) {
      if (!header[i].empty() && header[i] == header[j]) {
        sink.Error({name, 1, 0}, fmt::format("duplicate column '{}' in the header (columns {} and {})",
                                             header[i], j + 1, i + 1));
        ok = false;
      }
    }
  }
  return ok;
}

}  // namespace segsync
