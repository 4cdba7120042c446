// A strict parser of one flat JSON object (one JSON Lines record), writing unescaped text
// in place: an escape never takes fewer bytes than what it stands for, and a list is
// rewritten as kJsonListMark item kJsonListSep item... from its '[' on. Internal to
// daemon/export (jsonl_reader.cc).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "export/record_batch.h"

namespace segsync::jsonl {

inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

inline void PutUtf8(char*& w, uint32_t cp) {
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

}  // namespace segsync::jsonl
