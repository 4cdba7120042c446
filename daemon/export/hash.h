// A fast streaming 64-bit fingerprint of an export, for the ledger ("did the export change?",
// "is this the file of run 12?"). It is the XXH64 algorithm (seed 0), written here because
// segsync_core links no crypto library; it is not meant to resist a deliberate collision.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace segsync {

class Hash64 {
 public:
  void Update(std::string_view bytes);
  uint64_t Digest() const;  // may be called at any time; Update may continue afterwards
  uint64_t total_bytes() const { return total_; }

 private:
  uint64_t acc_[4] = {0x60EA27EEADC0B5D6ULL, 0xC2B2AE3D27D4EB4FULL, 0, 0x61C8864E7A143579ULL};
  unsigned char tail_[32];
  size_t tail_len_ = 0;
  uint64_t total_ = 0;
};

// 16 lowercase hex digits.
std::string HashHex(uint64_t h);

}  // namespace segsync
