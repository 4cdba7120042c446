#include "cursor.h"

#include "api_error.h"

namespace segsync::fake {

namespace {

constexpr std::string_view kHex = "0123456789abcdef";

std::string Hex(const std::string& raw) {
  std::string out;
  for (unsigned char ch : raw) {
    out += kHex[ch >> 4];
    out += kHex[ch & 15];
  }
  return out;
}

[[noreturn]] void Bad() { throw ApiError{kInvalidParameter, "invalid cursor"}; }

std::string Unhex(const std::string& s) {
  if (s.size() % 2) Bad();
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    auto hi = kHex.find(s[i]), lo = kHex.find(s[i + 1]);
    if (hi == std::string_view::npos || lo == std::string_view::npos) Bad();
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace

std::string EncodeKeyCursor(const std::pair<std::string, std::string>& key) {
  return Hex("k" + key.first + '\x1f' + key.second);
}

std::pair<std::string, std::string> DecodeKeyCursor(const std::string& cursor) {
  std::string raw = Unhex(cursor);
  auto sep = raw.find('\x1f');
  if (raw.empty() || raw[0] != 'k' || sep == std::string::npos) Bad();
  return {raw.substr(1, sep - 1), raw.substr(sep + 1)};
}

std::string EncodeOffsetCursor(std::size_t offset) { return Hex("o" + std::to_string(offset)); }

std::size_t DecodeOffsetCursor(const std::string& cursor) {
  std::string raw = Unhex(cursor);
  if (raw.size() < 2 || raw[0] != 'o') Bad();
  try {
    return std::stoul(raw.substr(1));
  } catch (...) {
    Bad();
  }
}

}  // namespace segsync::fake
