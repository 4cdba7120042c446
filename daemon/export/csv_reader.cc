// CSV as CRMs write it: UTF-8 with or without a BOM, LF or CRLF, quoted cells holding
// commas, doubled quotes and newlines. Lines are physical lines (a quoted newline counts).
#include <algorithm>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "export/readers.h"
#include "export/utf8.h"

namespace segsync {

namespace {

// Bytes that end an unquoted scan: ',', '\n' and '"'.
struct StopTable {
  bool stop[256] = {};
  constexpr StopTable() {
    stop[static_cast<unsigned char>(',')] = true;
    stop[static_cast<unsigned char>('\n')] = true;
    stop[static_cast<unsigned char>('"')] = true;
  }
};
constexpr StopTable kStop;

// Index of the first ',', '\n' or '"' in [p, end), or end. Eight bytes at a time: most
// cells are short, but this is still the hottest loop of a large export.
inline size_t ScanUnquoted(const char* base, size_t p, size_t end) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  while (p + 8 <= end) {
    uint64_t w;
    std::memcpy(&w, base + p, 8);
    uint64_t hit = has_zero(w ^ (kOnes * ',')) | has_zero(w ^ (kOnes * '\n')) |
                   has_zero(w ^ (kOnes * '"'));
    if (hit) return p + static_cast<size_t>(__builtin_ctzll(hit) / 8);
    p += 8;
  }
  while (p < end && !kStop.stop[static_cast<unsigned char>(base[p])]) ++p;
  return p;
}

class CsvReader final : public StreamReader {
 public:
  CsvReader(const std::string& path, const ReaderOptions& options) : StreamReader(path, options) {
    format_ = ExportFormat::kCsv;
  }

  bool Start(const std::string& path, DiagSink& sink) {
    return OpenFile(path, sink) && ReadHeader(sink);
  }

 private:
  bool ReadHeader(DiagSink& sink) {
    std::string data;
    size_t pos = 0;
    while (data.size() < 3 && in_.Read(data, options_.chunk_bytes) > 0) {
    }
    if (data.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;
    RecordBatch header;  // width 0: any number of cells
    RowError err;
    Step step;
    while ((step = ParseOne(data, pos, in_.eof(), header, &err)) == Step::kNeedMore ||
           step == Step::kBlank) {
      if (step == Step::kNeedMore && !FillForRecord(data, pos)) break;
    }
    if (in_.error()) {
      sink.Error({name_, 0, 0}, in_.error()->message);
      return false;
    }
    if (step == Step::kNeedMore) {
      sink.Error({name_, 1, 0}, fmt::format("the header row is longer than the {} cap",
                                            FormatCap(options_.max_record_bytes)));
      return false;
    }
    if (step == Step::kEnd) {
      sink.Error({name_, 0, 0}, "empty export: the file has no header row");
      return false;
    }
    if (step == Step::kBad) {
      sink.Error({name_, static_cast<int>(err.line), err.col}, "bad header row: " + err.message);
      return false;
    }
    for (auto cell : header.cells) header_.emplace_back(cell);
    carry_.assign(data, pos, std::string::npos);
    return CheckHeader(header_, name_, options_, sink);
  }

 protected:
  Step ParseOne(std::string& data, size_t& pos, bool eof, RecordBatch& batch,
                RowError* err) override {
    char* base = data.data();
    const size_t end = data.size();
    size_t p = pos;
    if (p == end) return eof ? Step::kEnd : Step::kNeedMore;
    if (base[p] == '\n' || (base[p] == '\r' && p + 1 < end && base[p + 1] == '\n')) {
      pos = p + (base[p] == '\n' ? 1 : 2);
      ++line_;
      return Step::kBlank;
    }
    const size_t first = batch.cells.size();
    const size_t record_start = p;
    size_t line_start = p;
    int64_t newlines = 0;
    unescape_.clear();
    std::string problem;
    int problem_col = 0;
    auto fail = [&](size_t at, std::string message) {
      if (!problem.empty()) return;
      problem = std::move(message);
      // A column is only shown on the record's first physical line, where the caret goes.
      problem_col = newlines > 0 ? 0 : static_cast<int>(at - line_start) + 1;
    };
    auto need_more = [&] {
      batch.cells.resize(first);
      return Step::kNeedMore;
    };
    bool ended_by_newline = false;
    while (true) {
      const size_t cell_index = batch.cells.size() - first;
      std::string_view cell;
      if (p < end && base[p] == '"') {
        size_t r = p + 1, q = 0;
        bool doubled = false;
        while (true) {
          auto* f = static_cast<const char*>(std::memchr(base + r, '"', end - r));
          if (!f) {
            if (!eof) return need_more();
            q = std::string::npos;
            break;
          }
          q = static_cast<size_t>(f - base);
          if (q + 1 == end && !eof) return need_more();
          if (q + 1 < end && base[q + 1] == '"') {
            doubled = true;
            r = q + 2;
            continue;
          }
          break;
        }
        size_t content_end = q == std::string::npos ? end : q;
        for (size_t i = p + 1; i < content_end; ++i) {
          if (base[i] == '\n') {
            ++newlines;
            line_start = i + 1;
          }
        }
        if (q == std::string::npos) {
          batch.cells.resize(first);
          *err = RowError{line_, 0,
                          fmt::format("unterminated quoted cell in column '{}': the quote is "
                                      "never closed before the end of the file",
                                      ColumnName(cell_index)),
                          std::string_view(base + record_start, end - record_start)};
          line_ += newlines;
          pos = end;
          return Step::kBad;
        }
        cell = std::string_view(base + p + 1, q - p - 1);
        if (doubled) unescape_.push_back(batch.cells.size());
        p = q + 1;
        if (p < end && base[p] == '\r' && p + 1 == end && !eof) return need_more();
        if (p < end && base[p] == '\r' && p + 1 < end && base[p + 1] == '\n') ++p;
        if (p < end && base[p] != ',' && base[p] != '\n') {
          fail(p, fmt::format("stray quote in column '{}': text after the closing quote",
                              ColumnName(cell_index)));
          while (p < end && base[p] != ',' && base[p] != '\n') ++p;
          if (p == end && !eof) return need_more();
        }
      } else {
        size_t s = p;
        p = ScanUnquoted(base, p, end);
        while (p < end && base[p] == '"') {  // a quote inside an unquoted cell
          fail(p, fmt::format("stray quote in column '{}': a quote inside an unquoted cell "
                              "(quote the whole cell and double the quote)",
                              ColumnName(cell_index)));
          ++p;
          while (p < end && !kStop.stop[static_cast<unsigned char>(base[p])]) ++p;
        }
        if (p == end && !eof) return need_more();
        size_t e = p;
        if (e > s && base[e - 1] == '\r' && (e == end || base[e] == '\n')) --e;
        cell = std::string_view(base + s, e - s);
      }
      if (cell.size() > options_.max_cell_bytes)
        fail(static_cast<size_t>(cell.data() - base),
             fmt::format("cell in column '{}' is {} bytes, over the {} cap (max_cell_bytes)",
                         ColumnName(cell_index), cell.size(), FormatCap(options_.max_cell_bytes)));
      batch.cells.push_back(cell);
      if (p >= end) break;
      if (base[p] == ',') {
        ++p;
        continue;
      }
      ++p;  // '\n'
      ended_by_newline = true;
      break;
    }
    const int64_t line = line_;
    line_ += newlines + (ended_by_newline ? 1 : 0);
    pos = p;
    const size_t count = batch.cells.size() - first;
    if (problem.empty()) {
      size_t bad = FindInvalidUtf8(std::string_view(base + record_start, p - record_start));
      if (bad != std::string::npos) {
        const char* at = base + record_start + bad;
        size_t col = 0;
        while (col + 1 < count && batch.cells[first + col + 1].data() <= at) ++col;
        problem = fmt::format("invalid UTF-8 in column '{}' (the export must be UTF-8)",
                              ColumnName(col));
        problem_col = 0;
      }
    }
    if (problem.empty() && batch.width > 0 && count != batch.width) {
      problem = fmt::format("row has {} cells, the header has {}", count, batch.width);
      problem_col = 0;
    }
    if (!problem.empty()) {
      batch.cells.resize(first);
      *err = RowError{line, problem_col, std::move(problem),
                      std::string_view(base + record_start, p - record_start)};
      return Step::kBad;
    }
    for (size_t i : unescape_) {  // "" -> " in place: the cell only shrinks
      std::string_view c = batch.cells[i];
      char* w = const_cast<char*>(c.data());
      const char* r = c.data();
      const char* e = r + c.size();
      char* out = w;
      while (r < e) {
        *out++ = *r;
        r += (*r == '"') ? 2 : 1;
      }
      batch.cells[i] = std::string_view(w, static_cast<size_t>(out - w));
    }
    batch.lines.push_back(line);
    return Step::kRecord;
  }

  size_t ScanRecordEnd(std::string_view bytes, bool* in_quotes, int64_t* newlines) override {
    for (size_t i = 0; i < bytes.size(); ++i) {
      char c = bytes[i];
      if (c == '"') *in_quotes = !*in_quotes;
      if (c == '\n') {
        ++*newlines;
        if (!*in_quotes) return i + 1;
      }
    }
    return std::string::npos;
  }

 private:
  std::vector<size_t> unescape_;  // cells of the current record holding doubled quotes
};

}  // namespace

std::unique_ptr<ExportReader> OpenCsvReader(const std::string& path, const ReaderOptions& options,
                                            DiagSink& sink) {
  auto reader = std::make_unique<CsvReader>(path, options);
  if (!reader->Start(path, sink)) return nullptr;
  return reader;
}

}  // namespace segsync
