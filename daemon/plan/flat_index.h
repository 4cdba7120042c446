// Internal to plan/: a compact open-addressing index from a string key to a uint32 value.
//
// The planner indexes about a million keys (external_userids, unionids, states, mobiles);
// std::unordered_map<std::string, ...> would cost a node per key. Here a slot is 16 bytes
// (hash, ref, value): the key itself is not stored, the caller resolves `ref` back to its key
// through a `same(ref)` predicate, so the index borrows the strings of the input.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace segsync::plan_internal {

inline constexpr uint32_t kNone = 0xffffffffu;
inline constexpr uint32_t kAmbiguous = 0xfffffffeu;

// FNV-1a, then a splitmix finaliser so that the low bits (the slot) are well mixed.
inline uint64_t HashBytes(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}
inline uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}
inline uint64_t HashKey(std::string_view s) { return Mix(HashBytes(s)); }

class FlatIndex {
 public:
  explicit FlatIndex(size_t expected) {
    size_t cap = 16;
    while (cap < expected + expected / 2 + 1) cap <<= 1;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
  }

  // Finds the slot whose key equals the caller's (same(ref) is true), or claims an empty one
  // for `ref`. Returns the slot's value (a reference, to be set on insert) and whether it is new.
  template <typename Same>
  std::pair<uint32_t*, bool> FindOrInsert(uint64_t hash, uint32_t ref, Same same) {
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.ref == kNone) {
        s.hash = hash;
        s.ref = ref;
        return {&s.value, true};
      }
      if (s.hash == hash && same(s.ref)) return {&s.value, false};
    }
  }

  // The value for the key (same(ref) true), or kNone.
  template <typename Same>
  uint32_t Find(uint64_t hash, Same same) const {
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.ref == kNone) return kNone;
      if (s.hash == hash && same(s.ref)) return s.value;
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t ref = kNone;
    uint32_t value = kNone;
  };
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace segsync::plan_internal
