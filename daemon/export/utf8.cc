#include "export/utf8.h"

#include <cstdint>
#include <cstring>

namespace segsync {

size_t FindInvalidUtf8(std::string_view s) {
  auto p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    // Fast path: eight ASCII bytes at a time (most of an export is ASCII).
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;         // overlong
      if (c == 0xED) hi = 0x9F;         // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;         // overlong
      if (c == 0xF4) hi = 0x8F;         // above U+10FFFF
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k)
      if ((p[i + k] & 0xC0) != 0x80) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string ShownLine(std::string_view text, size_t max_bytes) {
  size_t end = text.find('\n');
  if (end == std::string_view::npos) end = text.size();
  std::string_view line = text.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  bool cut = line.size() > max_bytes;
  if (cut) {
    line = line.substr(0, max_bytes);
    while (!line.empty() && (static_cast<unsigned char>(line.back()) & 0xC0) == 0x80) line.remove_suffix(1);
    if (!line.empty() && static_cast<unsigned char>(line.back()) >= 0xC0) line.remove_suffix(1);
  }
  std::string out;
  out.reserve(line.size() + 3);
  while (!line.empty()) {
    size_t bad = FindInvalidUtf8(line);
    std::string_view good = line.substr(0, bad);
    for (char c : good) out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    if (bad == std::string_view::npos) break;
    out += '?';
    line.remove_prefix(bad + 1);
  }
  if (cut) out += "...";
  if (out.empty()) out = " ";
  return out;
}

std::string FormatCap(size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace segsync
