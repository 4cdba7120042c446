// JSON Lines: one flat object per line. Values may be strings, numbers, booleans, null
// (missing) or arrays of those (a list cell, see kJsonListMark); see json_line.h.
#include <algorithm>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

#include "export/json_line.h"
#include "export/readers.h"
#include "export/utf8.h"

namespace segsync {

namespace {

using jsonl::IsSpace;
using jsonl::LineParser;

struct Hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class JsonlReader final : public StreamReader {
 public:
  JsonlReader(const std::string& path, const ReaderOptions& options)
      : StreamReader(path, options) {
    format_ = ExportFormat::kJsonl;
  }

  bool Start(const std::string& path, DiagSink& sink) {
    if (!OpenFile(path, sink)) return false;
    // The header is the keys of the first object, which is also the first record: parse a
    // copy of it and keep the bytes for Next().
    std::string data;
    while (data.size() < 3 && in_.Read(data, options_.chunk_bytes) > 0) {
    }
    size_t pos = data.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    int64_t line = 1;
    while (true) {
      size_t nl = data.find('\n', pos);
      if (nl == std::string::npos && !in_.eof()) {
        if (!FillForRecord(data, pos)) break;
        continue;
      }
      std::string copy = data.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      bool blank = copy.find_first_not_of(" \t\r") == std::string::npos;
      if (blank && nl != std::string::npos) {
        pos = nl + 1;
        ++line;
        continue;
      }
      if (blank) {
        sink.Error({name_, 0, 0}, "empty export: the file has no JSON object");
        return false;
      }
      LineParser parser(copy.data(), copy.data() + copy.size());
      std::vector<std::string> keys;
      if (!parser.ParseObject([&](std::string_view k, std::string_view, bool) {
            keys.emplace_back(k);
            return true;
          })) {
        sink.Error({name_, static_cast<int>(line), parser.column()},
                   "the first line must be a JSON object (its keys are the columns): " + parser.error());
        return false;
      }
      header_ = std::move(keys);
      carry_.assign(data, pos, std::string::npos);
      line_ = line;
      for (size_t i = 0; i < header_.size(); ++i) index_.emplace(header_[i], i);
      return CheckHeader(header_, name_, options_, sink);
    }
    sink.Error({name_, static_cast<int>(line), 0},
               in_.error() ? in_.error()->message
                           : fmt::format("the first line is longer than the {} cap",
                                         FormatCap(options_.max_record_bytes)));
    return false;
  }

 protected:
  Step ParseOne(std::string& data, size_t& pos, bool eof, RecordBatch& batch,
                RowError* err) override {
    char* base = data.data();
    const size_t end = data.size();
    if (pos == end) return eof ? Step::kEnd : Step::kNeedMore;
    auto* nl = static_cast<char*>(std::memchr(base + pos, '\n', end - pos));
    if (!nl && !eof) return Step::kNeedMore;
    size_t line_end = nl ? static_cast<size_t>(nl - base) : end;
    char* b = base + pos;
    char* e = base + line_end;
    pos = nl ? line_end + 1 : end;
    const int64_t line = line_++;
    char* s = b;
    while (s < e && IsSpace(*s)) ++s;
    if (s == e) return Step::kBlank;
    if (size_t bad = FindInvalidUtf8(std::string_view(b, e - b)); bad != std::string::npos) {
      *err = RowError{line, static_cast<int>(bad) + 1, "invalid UTF-8 (the export must be UTF-8)",
                      std::string_view(b, e - b)};
      return Step::kBad;
    }
    // Parsing rewrites the line in place: keep a copy for the message of a bad line.
    source_.assign(b, std::min<size_t>(static_cast<size_t>(e - b), 400));
    const size_t first = batch.cells.size();
    batch.cells.resize(first + batch.width);
    seen_.assign(batch.width, 0);
    std::string problem;
    LineParser parser(b, e);
    bool ok = parser.ParseObject([&](std::string_view key, std::string_view value, bool) {
      size_t i = hint_ < header_.size() && header_[hint_] == key ? hint_ : Lookup(key);
      if (i == std::string::npos) return true;  // a key that is not a column: ignored
      if (seen_[i]) return parser.Fail(fmt::format("duplicate key '{}'", key));
      if (value.size() > options_.max_cell_bytes)
        return parser.Fail(fmt::format("value of '{}' is {} bytes, over the {} cap (max_cell_bytes)",
                                       key, value.size(), FormatCap(options_.max_cell_bytes)));
      seen_[i] = 1;
      batch.cells[first + i] = value;
      hint_ = i + 1;
      return true;
    });
    hint_ = 0;
    if (!ok) {
      batch.cells.resize(first);
      *err = RowError{line, parser.column(), "malformed JSON line: " + parser.error(), source_};
      return Step::kBad;
    }
    batch.lines.push_back(line);
    return Step::kRecord;
  }

  size_t ScanRecordEnd(std::string_view bytes, bool*, int64_t* newlines) override {
    size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) return nl;
    ++*newlines;
    return nl + 1;
  }

 private:
  size_t Lookup(std::string_view key) const {
    auto it = index_.find(key);
    return it == index_.end() ? std::string::npos : it->second;
  }

  std::unordered_map<std::string, size_t, Hash, std::equal_to<>> index_;
  std::vector<uint8_t> seen_;
  std::string source_;  // the current line as read
  size_t hint_ = 0;  // keys usually come in the header's order: try the next one first
};

}  // namespace

std::unique_ptr<ExportReader> OpenJsonlReader(const std::string& path,
                                              const ReaderOptions& options, DiagSink& sink) {
  auto reader = std::make_unique<JsonlReader>(path, options);
  if (!reader->Start(path, sink)) return nullptr;
  return reader;
}

}  // namespace segsync
