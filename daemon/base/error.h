// Runtime failures (as opposed to Diagnostics, which are problems in user files).
//
// Coarse codes in leveldb's spirit; the message says what happened and what to do.
// C++20 has no std::expected, so Result<T> is a small variant wrapper.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace segsync {

enum class ErrorCode {
  kInvalidInput,  // a user file or argument is wrong
  kIo,            // file system, disk full
  kRemote,        // WeCom answered with an error for one item
  kTransient,     // retry later: network, 5xx, -1, rate limits
  kFatal,         // ends the run: bad secret, no permission, IP not trusted
  kCorrupt,       // the ledger or a file is damaged
  kCancelled,     // stopped by a signal
};

struct Error {
  ErrorCode code = ErrorCode::kInvalidInput;
  std::string message;
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}       // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Process exit codes, fixed by spec §1.
enum class ExitCode : int {
  kOk = 0,
  kValidationFailed = 1,
  kUsage = 2,
  kGuardBlocked = 3,
  kFatal = 4,
  kPartialFailure = 5,
};

}  // namespace segsync
