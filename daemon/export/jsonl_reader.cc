// JSON Lines: one flat object per line. Values may be strings, numbers, booleans, null
// (missing) or arrays of those (a list cell, see kJsonListMark). Strings are unescaped in
// place: an escape never takes fewer bytes than what it stands for.
#include <algorithm>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

#include "export/readers.h"
#include "export/utf8.h"

namespace segsync {

namespace {

struct Hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void PutUtf8(char*& w, uint32_t cp) {
  if (cp < 0x80) {
    *w++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *w++ = static_cast<char>(0xC0 | (cp >> 6));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *w++ = static_cast<char>(0xE0 | (cp >> 12));
    *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *w++ = static_cast<char>(0xF0 | (cp >> 18));
    *w++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A strict parser of one flat JSON object held in [p, end), writing unescaped text in place.
class LineParser {
 public:
  LineParser(char* begin, char* end) : begin_(begin), p_(begin), end_(end) {}

  // Calls on_pair(key, value, is_list) for each member. False on malformed input, with
  // error() and column() set.
  template <typename OnPair>
  bool ParseObject(OnPair on_pair) {
    SkipSpace();
    if (!Expect('{', "a line must be one JSON object, starting with '{'")) return false;
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return AtEnd();
    }
    while (true) {
      SkipSpace();
      if (p_ >= end_ || *p_ != '"') return Fail("expected a key in double quotes");
      std::string_view key;
      if (!String(&key)) return false;
      SkipSpace();
      if (!Expect(':', "expected ':' after a key")) return false;
      SkipSpace();
      std::string_view value;
      bool is_list = false;
      if (!Value(key, &value, &is_list)) return false;
      if (!on_pair(key, value, is_list)) return false;
      SkipSpace();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      if (!Expect('}', "expected ',' or '}' after a value")) return false;
      return AtEnd();
    }
  }

  bool Fail(std::string why) {
    if (error_.empty()) {
      error_ = std::move(why);
      column_ = static_cast<int>(p_ - begin_) + 1;
    }
    return false;
  }
  const std::string& error() const { return error_; }
  int column() const { return column_; }

 private:
  void SkipSpace() {
    while (p_ < end_ && IsSpace(*p_)) ++p_;
  }
  bool Expect(char c, const char* why) {
    if (p_ >= end_ || *p_ != c) return Fail(why);
    ++p_;
    return true;
  }
  bool AtEnd() {
    SkipSpace();
    return p_ == end_ || Fail("unexpected text after the object");
  }

  bool Hex4(uint32_t* out) {
    if (end_ - p_ < 4) return Fail("bad \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = p_[i];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return Fail("bad \\u escape");
    }
    p_ += 4;
    *out = v;
    return true;
  }

  // At the opening quote. The unescaped text is written over the string itself.
  bool String(std::string_view* out) {
    ++p_;
    char* start = p_;
    char* w = p_;
    while (true) {
      if (p_ >= end_) return Fail("unterminated string");
      char c = *p_;
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in a string");
      if (c != '\\') {
        *w++ = *p_++;
        continue;
      }
      if (++p_ >= end_) return Fail("unterminated string");
      char e = *p_++;
      switch (e) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return Fail("lone surrogate in \\u escape");
            p_ += 2;
            if (!Hex4(&lo) || lo < 0xDC00 || lo > 0xDFFF) return Fail("lone surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Fail("lone surrogate in \\u escape");
          }
          PutUtf8(w, cp);
          break;
        }
        default:
          --p_;
          return Fail(fmt::format("unknown escape '\\{}'", e));
      }
    }
    ++p_;
    *out = std::string_view(start, static_cast<size_t>(w - start));
    return true;
  }

  bool Number(std::string_view* out) {
    char* s = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    auto digits = [&] {
      char* d = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      return p_ > d;
    };
    if (p_ < end_ && *p_ == '0') ++p_;
    else if (!digits()) return Fail("not a JSON value");
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (!digits()) return Fail("bad number");
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return Fail("bad number");
    }
    *out = std::string_view(s, static_cast<size_t>(p_ - s));
    return true;
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()))
      return Fail("not a JSON value");
    p_ += word.size();
    return true;
  }

  // A scalar; *out is empty for null.
  bool Scalar(std::string_view* out) {
    if (p_ >= end_) return Fail("expected a value");
    switch (*p_) {
      case '"': return String(out);
      case 't': *out = std::string_view(p_, 4); return Literal("true");
      case 'f': *out = std::string_view(p_, 5); return Literal("false");
      case 'n': *out = {}; return Literal("null");
      default: return Number(out);
    }
  }

  bool Value(std::string_view key, std::string_view* out, bool* is_list) {
    if (p_ < end_ && *p_ == '{')
      return Fail(fmt::format("the value of '{}' is a nested object, which an export cannot hold", key));
    if (p_ >= end_ || *p_ != '[') return Scalar(out);
    // [a, "b"] -> kJsonListMark a kJsonListSep b, written from the '[' on.
    *is_list = true;
    char* start = p_++;
    char* w = start;
    *w++ = kJsonListMark;
    bool first = true;
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      *out = std::string_view(start, 1);
      return true;
    }
    while (true) {
      SkipSpace();
      if (p_ < end_ && (*p_ == '[' || *p_ == '{'))
        return Fail(fmt::format("the list '{}' holds a nested list or object", key));
      std::string_view item;
      if (!Scalar(&item)) return false;
      if (!item.empty() || p_[-1] == '"') {  // null items are dropped
        if (!first) *w++ = kJsonListSep;
        std::memmove(w, item.data(), item.size());
        w += item.size();
        first = false;
      }
      SkipSpace();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      if (!Expect(']', "expected ',' or ']' in a list")) return false;
      break;
    }
    *out = std::string_view(start, static_cast<size_t>(w - start));
    return true;
  }

  char* begin_;
  char* p_;
  char* end_;
  std::string error_;
  int column_ = 0;
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
