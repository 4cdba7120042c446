// WeCom errcodes and what the client does about them (wecom-api.md §8). Decisions use the
// errcode only, never errmsg; the errmsg "hint" is kept for the log.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/error.h"

namespace segsync::wecom {

enum class ErrorClass {
  kOk,
  kTransient,    // -1, HTTP 5xx, timeouts, drops, unparsable body: backoff + jitter, bounded
  kConcurrency,  // 45033: halve the concurrency, retry after a random delay (a wait)
  kFrequency,    // 45009: pause the endpoint for block_seconds, then retry (a wait)
  kToken,        // 40014, 42001 (and 40001 on a business call): refresh once, retry once
  kItem,         // 40003 40096 60011 60111 84061 40068 301002: this item only; caller decides
  kFatal,        // ends the run until an operator acts: 40001 on gettoken, 40013, 40091, 48002, 60020, 41002, 41004
  kClientBug,    // 40035 40058 41001 41xxx 81017 ...: a request segsync should never send
  kUnknown,      // any other errcode: fails this call, not retried
};

std::string_view ErrorClassName(ErrorClass c);

// `on_gettoken`: 40001 means a bad secret there, and a bad token on business calls.
ErrorClass Classify(int errcode, bool on_gettoken = false);

// Short meaning of a known errcode ("invalid external userid"), or "" when unknown.
std::string_view ErrcodeMeaning(int errcode);

// The operator's next step for a fatal errcode, e.g. for 60020 "the server's IP is not in the
// app's trusted IP list (企业可信IP); add it in the admin console".
std::string FatalAdvice(int errcode);

// Extracts "<id>" from "..., hint: [<id>], from ip: ...". Empty if absent.
std::string ExtractHint(std::string_view errmsg);

// A failed call. `code` and `message` are those of segsync::Error (it is one), so the caller
// can pass it on as an Error; the rest is for the ledger and the log.
struct ApiError : Error {
  ErrorClass klass = ErrorClass::kUnknown;
  std::string endpoint;  // "mark_tag"
  int errcode = 0;       // 0 when the failure was not a WeCom errcode
  int http_status = 0;   // 0 when no HTTP answer arrived
  std::string hint;      // WeCom's trace id, for support tickets
};

// Result of a typed call: the value, or an ApiError.
template <typename T>
class ApiResult {
 public:
  ApiResult(T value) : v_(std::move(value)) {}     // NOLINT: implicit on purpose
  ApiResult(ApiError error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const ApiError& error() const { return std::get<1>(v_); }
  int errcode() const { return ok() ? 0 : error().errcode; }

 private:
  std::variant<T, ApiError> v_;
};

}  // namespace segsync::wecom
