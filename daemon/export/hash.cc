#include "export/hash.h"

#include <cstring>

#include <fmt/format.h>

namespace segsync {

namespace {

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kP3 = 0x165667B19E3779F9ULL;
constexpr uint64_t kP4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t kP5 = 0x27D4EB2F165667C5ULL;

inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

inline uint64_t Read64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);  // little-endian hosts only (x86-64, arm64), as segsync targets
  return v;
}

inline uint32_t Read32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline uint64_t Round(uint64_t acc, uint64_t input) {
  acc += input * kP2;
  acc = Rotl(acc, 31);
  return acc * kP1;
}

inline uint64_t Merge(uint64_t acc, uint64_t val) {
  acc ^= Round(0, val);
  return acc * kP1 + kP4;
}

}  // namespace

void Hash64::Update(std::string_view bytes) {
  auto p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  total_ += n;
  if (tail_len_ + n < 32) {
    std::memcpy(tail_ + tail_len_, p, n);
    tail_len_ += n;
    return;
  }
  if (tail_len_ > 0) {
    size_t fill = 32 - tail_len_;
    std::memcpy(tail_ + tail_len_, p, fill);
    for (int i = 0; i < 4; ++i) acc_[i] = Round(acc_[i], Read64(tail_ + 8 * i));
    p += fill;
    n -= fill;
    tail_len_ = 0;
  }
  uint64_t a0 = acc_[0], a1 = acc_[1], a2 = acc_[2], a3 = acc_[3];
  while (n >= 32) {
    a0 = Round(a0, Read64(p));
    a1 = Round(a1, Read64(p + 8));
    a2 = Round(a2, Read64(p + 16));
    a3 = Round(a3, Read64(p + 24));
    p += 32;
    n -= 32;
  }
  acc_[0] = a0, acc_[1] = a1, acc_[2] = a2, acc_[3] = a3;
  std::memcpy(tail_, p, n);
  tail_len_ = n;
}

uint64_t Hash64::Digest() const {
  uint64_t h;
  if (total_ >= 32) {
    h = Rotl(acc_[0], 1) + Rotl(acc_[1], 7) + Rotl(acc_[2], 12) + Rotl(acc_[3], 18);
    for (uint64_t a : acc_) h = Merge(h, a);
  } else {
    h = kP5;  // seed 0
  }
  h += total_;
  const unsigned char* p = tail_;
  size_t n = tail_len_;
  while (n >= 8) {
    h ^= Round(0, Read64(p));
    h = Rotl(h, 27) * kP1 + kP4;
    p += 8;
    n -= 8;
  }
  if (n >= 4) {
    h ^= uint64_t{Read32(p)} * kP1;
    h = Rotl(h, 23) * kP2 + kP3;
    p += 4;
    n -= 4;
  }
  while (n > 0) {
    h ^= (*p) * kP5;
    h = Rotl(h, 11) * kP1;
    ++p;
    --n;
  }
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

std::string HashHex(uint64_t h) { return fmt::format("{:016x}", h); }

}  // namespace segsync
