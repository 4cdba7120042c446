// Random identifiers in WeCom's shapes ("et" + 30 url-safe characters for tags, 32 hex digits
// for config ids, ...) and the wall clock in unix seconds. Not thread-safe: the owner locks.
#pragma once

#include <cstdint>
#include <ctime>
#include <random>
#include <string>
#include <string_view>

namespace segsync::fake {

class IdSource {
 public:
  explicit IdSource(std::uint64_t seed) : rng_(seed) {}

  // prefix + n characters from [A-Za-z0-9_-].
  std::string Next(std::string_view prefix, std::size_t n = 30) {
    static constexpr std::string_view kChars =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out(prefix);
    for (std::size_t i = 0; i < n; ++i) out += kChars[rng_() % kChars.size()];
    return out;
  }

  // prefix + n lowercase hex digits (config ids look like "42b34949e138eb6e027c123cba77fad7").
  std::string Hex(std::string_view prefix, std::size_t n = 32) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out(prefix);
    for (std::size_t i = 0; i < n; ++i) out += kHex[rng_() % 16];
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

inline std::int64_t NowSeconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace segsync::fake
