// WeCom's callback crypto (企业微信回调 加解密方案), pure functions over strings:
//   msg_signature = hex SHA-1 of the sorted concatenation of token, timestamp, nonce, Encrypt;
//   AES-256-CBC, key = base64decode(EncodingAESKey + "="), IV = the key's first 16 bytes,
//   PKCS#7 padding to 32-byte blocks (1..32 pad bytes);
//   plaintext = 16 random bytes + 4-byte big-endian length + message + ReceiveId (the corpid).
// OpenSSL EVP does the AES and the SHA-1. Nothing here logs; no message contains the token,
// the key or a decrypted payload.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/error.h"

namespace segsync::wecom {

// Why a callback request was refused. The name is the `reason` label of
// segsync_callback_refused_total and appears in the log line.
enum class CallbackRefusal {
  kBadRequest,      // missing query parameter, wrong method, bad path
  kTooLarge,        // body over the cap
  kMalformedXml,    // not well-formed, not <xml>, DOCTYPE, too deep, missing fields
  kBadSignature,    // msg_signature does not match
  kStale,           // timestamp outside the accepted window
  kReplay,          // nonce seen before within the window
  kBadBase64,       // Encrypt / echostr is not strict base64
  kBadCiphertext,   // not a whole number of AES blocks
  kBadPadding,      // PKCS#7 padding broken (wrong key, or tampered)
  kBadLayout,       // length field larger than the plaintext
  kWrongReceiveId,  // ReceiveId is not our corpid
};
const char* CallbackRefusalName(CallbackRefusal r);

struct CallbackError {
  CallbackRefusal reason;
  std::string message;  // for the log: names the position or the size, never the payload
};

// A value or a CallbackError, in the shape of segsync::Result.
template <typename T>
class CallbackResult {
 public:
  CallbackResult(T value) : v_(std::move(value)) {}       // NOLINT: implicit on purpose
  CallbackResult(CallbackError e) : v_(std::move(e)) {}   // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const CallbackError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, CallbackError> v_;
};

// Strict RFC 4648 base64 (standard alphabet, '=' padding, length a multiple of 4, no spaces).
std::optional<std::string> DecodeBase64(std::string_view text);
std::string EncodeBase64(std::string_view bytes);

// Largest Encrypt / echostr accepted (base64 characters).
inline constexpr size_t kMaxEncryptChars = 1 << 20;

class CallbackCrypto {
 public:
  // `encoding_aes_key`: the console's 43-character EncodingAESKey. `receive_id`: the corpid.
  // Errors (kInvalidInput) say which input is wrong, never its value.
  static Result<CallbackCrypto> Create(std::string token, std::string_view encoding_aes_key,
                                       std::string receive_id);

  // Lowercase hex SHA-1 of the four strings sorted and concatenated.
  std::string Signature(std::string_view timestamp, std::string_view nonce,
                        std::string_view encrypt) const;
  // Constant-time comparison with Signature(); case-insensitive hex.
  bool SignatureMatches(std::string_view signature, std::string_view timestamp,
                        std::string_view nonce, std::string_view encrypt) const;
  // Base64 Encrypt -> message, checking padding, layout and ReceiveId.
  CallbackResult<std::string> Decrypt(std::string_view encrypt) const;
  // message -> base64 Encrypt; `random16` must be 16 bytes (tests pass fixed bytes).
  std::string Encrypt(std::string_view message, std::string_view random16) const;

  const std::string& receive_id() const { return receive_id_; }

 private:
  CallbackCrypto() = default;
  std::string token_;
  std::array<unsigned char, 32> key_{};
  std::string receive_id_;
};

}  // namespace segsync::wecom
