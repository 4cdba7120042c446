#include "wecom/callback_crypto.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <vector>

#include <fmt/format.h>

namespace segsync::wecom {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr size_t kBlock = 32;  // WeCom pads to 32 bytes, not to the AES block size

int Sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// AES-256-CBC without OpenSSL's own padding (WeCom's is PKCS#7 to 32 bytes, done by hand).
// `in` must be a whole number of 16-byte blocks.
std::string Aes(bool encrypt, const std::array<unsigned char, 32>& key, std::string_view in) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(in.size() + 16, '\0');
  int n = 0, tail = 0;
  bool ok = ctx && EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key.data(), key.data(),
                                     encrypt ? 1 : 0) == 1 &&
            EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
            EVP_CipherUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n,
                             reinterpret_cast<const unsigned char*>(in.data()),
                             static_cast<int>(in.size())) == 1 &&
            EVP_CipherFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + n, &tail) == 1;
  if (!ok) return {};
  out.resize(static_cast<size_t>(n + tail));
  return out;
}

CallbackError Refuse(CallbackRefusal r, std::string message) { return {r, std::move(message)}; }

}  // namespace

const char* CallbackRefusalName(CallbackRefusal r) {
  switch (r) {
    case CallbackRefusal::kBadRequest: return "bad_request";
    case CallbackRefusal::kTooLarge: return "too_large";
    case CallbackRefusal::kMalformedXml: return "malformed_xml";
    case CallbackRefusal::kBadSignature: return "bad_signature";
    case CallbackRefusal::kStale: return "stale_timestamp";
    case CallbackRefusal::kReplay: return "replayed_nonce";
    case CallbackRefusal::kBadBase64: return "bad_base64";
    case CallbackRefusal::kBadCiphertext: return "bad_ciphertext";
    case CallbackRefusal::kBadPadding: return "bad_padding";
    case CallbackRefusal::kBadLayout: return "bad_layout";
    case CallbackRefusal::kWrongReceiveId: return "wrong_receive_id";
  }
  return "unknown";
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i + pad < text.size(); ++i) {
    int v = Sextet(text[i]);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // Unused low bits of the last character are ignored, as by WeCom's SDKs: console keys are
  // 43 random characters, so the last one rarely encodes zeros there.
  return out;
}

std::string EncodeBase64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                 static_cast<uint8_t>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<CallbackCrypto> CallbackCrypto::Create(std::string token, std::string_view encoding_aes_key,
                                              std::string receive_id) {
  if (token.empty() || token.size() > 128)
    return Error{ErrorCode::kInvalidInput, "the callback token must be 1 to 128 characters"};
  if (encoding_aes_key.size() != 43)
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("the EncodingAESKey must be 43 characters, got {}", encoding_aes_key.size())};
  auto key = DecodeBase64(std::string(encoding_aes_key) + "=");
  if (!key || key->size() != 32)
    return Error{ErrorCode::kInvalidInput,
                 "the EncodingAESKey is not base64 (letters, digits, + and /; 43 characters)"};
  if (receive_id.empty()) return Error{ErrorCode::kInvalidInput, "no corpid to check callbacks against"};
  CallbackCrypto c;
  c.token_ = std::move(token);
  std::copy(key->begin(), key->end(), c.key_.begin());
  c.receive_id_ = std::move(receive_id);
  return c;
}

std::string CallbackCrypto::Signature(std::string_view timestamp, std::string_view nonce,
                                      std::string_view encrypt) const {
  std::array<std::string_view, 4> parts{token_, timestamp, nonce, encrypt};
  std::sort(parts.begin(), parts.end());
  std::string joined;
  for (auto p : parts) joined += p;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(joined.data(), joined.size(), md, &len, EVP_sha1(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

bool CallbackCrypto::SignatureMatches(std::string_view signature, std::string_view timestamp,
                                      std::string_view nonce, std::string_view encrypt) const {
  std::string want = Signature(timestamp, nonce, encrypt);
  if (signature.size() != want.size()) return false;
  unsigned diff = 0;
  for (size_t i = 0; i < want.size(); ++i)
    diff |= static_cast<unsigned>(std::tolower(static_cast<unsigned char>(signature[i])) ^ want[i]);
  return diff == 0;
}

CallbackResult<std::string> CallbackCrypto::Decrypt(std::string_view encrypt) const {
  if (encrypt.size() > kMaxEncryptChars)
    return Refuse(CallbackRefusal::kTooLarge, fmt::format("Encrypt is {} characters, over the cap of {}",
                                                          encrypt.size(), kMaxEncryptChars));
  auto cipher = DecodeBase64(encrypt);
  if (!cipher)
    return Refuse(CallbackRefusal::kBadBase64,
                  fmt::format("Encrypt is not strict base64 ({} characters)", encrypt.size()));
  if (cipher->empty() || cipher->size() % 16 != 0)
    return Refuse(CallbackRefusal::kBadCiphertext,
                  fmt::format("ciphertext of {} bytes is not a whole number of AES blocks", cipher->size()));
  std::string plain = Aes(false, key_, *cipher);
  if (plain.size() != cipher->size())
    return Refuse(CallbackRefusal::kBadCiphertext, "AES decryption failed");
  size_t pad = static_cast<unsigned char>(plain.back());
  if (pad < 1 || pad > kBlock || pad > plain.size())
    return Refuse(CallbackRefusal::kBadPadding, fmt::format("PKCS#7 pad byte {} is out of range 1..32 "
                                                            "(wrong EncodingAESKey?)", pad));
  for (size_t i = plain.size() - pad; i < plain.size(); ++i)
    if (static_cast<unsigned char>(plain[i]) != pad)
      return Refuse(CallbackRefusal::kBadPadding, "PKCS#7 pad bytes differ (wrong EncodingAESKey?)");
  plain.resize(plain.size() - pad);
  if (plain.size() < 20)
    return Refuse(CallbackRefusal::kBadLayout,
                  fmt::format("plaintext of {} bytes is shorter than the 20-byte header", plain.size()));
  uint32_t n = (static_cast<uint32_t>(static_cast<uint8_t>(plain[16])) << 24) |
               (static_cast<uint32_t>(static_cast<uint8_t>(plain[17])) << 16) |
               (static_cast<uint32_t>(static_cast<uint8_t>(plain[18])) << 8) |
               static_cast<uint32_t>(static_cast<uint8_t>(plain[19]));
  if (n > plain.size() - 20)
    return Refuse(CallbackRefusal::kBadLayout,
                  fmt::format("message length {} is larger than the {} bytes left", n, plain.size() - 20));
  std::string_view receive_id = std::string_view(plain).substr(20 + n);
  if (receive_id != receive_id_)
    return Refuse(CallbackRefusal::kWrongReceiveId,
                  fmt::format("ReceiveId '{}' is not the configured corpid", receive_id.substr(0, 64)));
  return plain.substr(20, n);
}

std::string CallbackCrypto::Encrypt(std::string_view message, std::string_view random16) const {
  std::string plain(random16.substr(0, 16));
  plain.resize(16, '\0');
  uint32_t n = static_cast<uint32_t>(message.size());
  for (int s = 24; s >= 0; s -= 8) plain += static_cast<char>((n >> s) & 0xFF);
  plain += message;
  plain += receive_id_;
  size_t pad = kBlock - plain.size() % kBlock;
  plain.append(pad, static_cast<char>(pad));
  return EncodeBase64(Aes(true, key_, plain));
}

}  // namespace segsync::wecom
