// The file end of an export reader: reads in chunks, counts and hashes every byte.
// Internal to daemon/export.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "base/error.h"
#include "export/hash.h"

namespace segsync {

class ChunkedInput {
 public:
  ChunkedInput() = default;
  ~ChunkedInput();
  ChunkedInput(const ChunkedInput&) = delete;
  ChunkedInput& operator=(const ChunkedInput&) = delete;

  std::optional<Error> Open(const std::string& path);
  // Appends up to `n` bytes to `out`. Returns the number appended; 0 at the end of the
  // file or on an error (then error() is set).
  size_t Read(std::string& out, size_t n);
  bool eof() const { return eof_; }
  const std::optional<Error>& error() const { return error_; }
  uint64_t bytes() const { return hash_.total_bytes(); }
  uint64_t hash() const { return hash_.Digest(); }

 private:
  int fd_ = -1;
  bool eof_ = false;
  std::optional<Error> error_;
  std::string path_;
  Hash64 hash_;
};

}  // namespace segsync
