// WeCom callback crypto: vectors built from the protocol, the reference SDK's sample values,
// and every way a request can be wrong.
#include "wecom/callback_crypto.h"

#include <doctest/doctest.h>

#include <openssl/evp.h>

namespace segsync::wecom {
namespace {

// Tencent's sample (sbzhu/weworkapi_python callback/Sample.py), checked against openssl too.
constexpr const char* kSdkToken = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo";
constexpr const char* kSdkKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt";
constexpr const char* kSdkCorp = "ww1436e0e65a779aee";
constexpr const char* kSdkEcho =
    "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==";
constexpr const char* kSdkEncrypt =
    "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+"
    "kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4c"
    "h4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082"
    "f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+";

constexpr const char* kKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
constexpr const char* kCorp = "wwfakecorp0000001";

CallbackCrypto Make(const char* token = "tok3n", const char* key = kKey, const char* corp = kCorp) {
  auto c = CallbackCrypto::Create(token, key, corp);
  REQUIRE_MESSAGE(c.ok(), c.error().message);
  return *c;
}

// Independent AES-256-CBC (OpenSSL's own PKCS#7 off) to build ciphertexts by hand.
std::string RawAes(const std::string& key_b64, const std::string& plain) {
  std::string key = *DecodeBase64(key_b64 + "=");
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  auto k = reinterpret_cast<const unsigned char*>(key.data());
  EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, k, k);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  std::string out(plain.size() + 32, '\0');
  int n = 0, m = 0;
  EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &n,
                    reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
  EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + n, &m);
  EVP_CIPHER_CTX_free(ctx);
  out.resize(static_cast<size_t>(n + m));
  return EncodeBase64(out);
}

std::string Header(const std::string& msg) {
  std::string h = "0123456789abcdef";
  uint32_t n = static_cast<uint32_t>(msg.size());
  for (int s = 24; s >= 0; s -= 8) h += static_cast<char>((n >> s) & 0xFF);
  return h;
}

std::string Pad32(std::string plain) {
  size_t pad = 32 - plain.size() % 32;
  plain.append(pad, static_cast<char>(pad));
  return plain;
}

}  // namespace

TEST_CASE("callback crypto - the reference SDK's sample: URL verification and a POSTed message") {
  CallbackCrypto c = Make(kSdkToken, kSdkKey, kSdkCorp);
  CHECK(c.Signature("1476416373", "47744683", kSdkEcho) == "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb");
  CHECK(c.SignatureMatches("012BC692D0A58DD4B10F8DFE5C4AC00AE211EBEB", "1476416373", "47744683", kSdkEcho));
  auto echo = c.Decrypt(kSdkEcho);
  REQUIRE_MESSAGE(echo.ok(), echo.error().message);
  CHECK(*echo == "1288432023552776189");

  CHECK(c.Signature("1476422779", "1597212914", kSdkEncrypt) == "0c3914025cb4b4d68103f6bfc8db550f79dcf48e");
  auto msg = c.Decrypt(kSdkEncrypt);
  REQUIRE_MESSAGE(msg.ok(), msg.error().message);
  CHECK(*msg ==
        "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName>"
        "<CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content>"
        "<MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>");
  // The same ciphertext checked against another corp is refused.
  CallbackCrypto other = Make(kSdkToken, kSdkKey, "ww0000000000000000");
  auto wrong = other.Decrypt(kSdkEncrypt);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().reason == CallbackRefusal::kWrongReceiveId);
}

TEST_CASE("callback crypto - a ciphertext built by hand from the protocol decrypts and ours matches it") {
  std::string msg = "<xml><Event>change_external_contact</Event></xml>";
  std::string plain = Header(msg) + msg + kCorp;
  std::string by_hand = RawAes(kKey, Pad32(plain));
  CallbackCrypto c = Make();
  auto out = c.Decrypt(by_hand);
  REQUIRE_MESSAGE(out.ok(), out.error().message);
  CHECK(*out == msg);
  CHECK(c.Encrypt(msg, "0123456789abcdef") == by_hand);
  // Padding to 32 bytes, not 16: a plaintext of exactly 32*k bytes gets 32 pad bytes.
  std::string exact(32 - (20 + std::string(kCorp).size()) % 32, 'x');
  std::string enc = c.Encrypt(exact, "0123456789abcdef");
  CHECK(DecodeBase64(enc)->size() % 32 == 0);
  CHECK(*c.Decrypt(enc) == exact);
  // Round trips of every length around the block boundaries, and an empty message.
  for (size_t n : {0, 1, 11, 12, 13, 31, 32, 33, 100, 4000}) {
    std::string m(n, 'a' + static_cast<char>(n % 26));
    auto back = c.Decrypt(c.Encrypt(m, "fedcba9876543210"));
    REQUIRE_MESSAGE(back.ok(), n << ": " << back.error().message);
    CHECK(*back == m);
  }
}

TEST_CASE("callback crypto - each broken input is refused with its own reason") {
  CallbackCrypto c = Make();
  std::string msg = "<xml/>";
  struct Case {
    const char* name;
    std::string encrypt;
    CallbackRefusal reason;
  };
  std::string good_plain = Header(msg) + msg + kCorp;
  std::string bad_pad = good_plain;
  bad_pad.append(32 - bad_pad.size() % 32 - 1, '\x05');
  bad_pad += '\x07';  // last byte says 7, the others say 5
  std::string zero_pad = good_plain;
  zero_pad.append(32 - zero_pad.size() % 32, '\0');
  std::string big_pad = good_plain;
  big_pad.append(32 - big_pad.size() % 32, '\x21');  // 33 > 32
  std::string long_len = Header(std::string(500, 'x')) + msg + kCorp;
  std::string good = c.Encrypt(msg, "0123456789abcdef");
  const Case cases[] = {
      {"truncated base64", good.substr(0, good.size() - 3), CallbackRefusal::kBadBase64},
      {"base64 with a space", good.substr(0, 8) + " " + good.substr(9), CallbackRefusal::kBadBase64},
      {"not base64 at all", "!!!!", CallbackRefusal::kBadBase64},
      {"not whole AES blocks", EncodeBase64(std::string(20, 'q')), CallbackRefusal::kBadCiphertext},
      {"empty", "", CallbackRefusal::kBadCiphertext},
      {"pad bytes differ", RawAes(kKey, bad_pad), CallbackRefusal::kBadPadding},
      {"pad byte zero", RawAes(kKey, zero_pad), CallbackRefusal::kBadPadding},
      {"pad byte over 32", RawAes(kKey, big_pad), CallbackRefusal::kBadPadding},
      {"length past the end", RawAes(kKey, Pad32(long_len)), CallbackRefusal::kBadLayout},
      {"too short for the header", RawAes(kKey, Pad32("short")), CallbackRefusal::kBadLayout},
      {"wrong ReceiveId", RawAes(kKey, Pad32(Header(msg) + msg + "wwsomeoneelse")), CallbackRefusal::kWrongReceiveId},
      {"wrong key", Make("tok3n", "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut").Encrypt(msg, "0123456789abcdef"),
       CallbackRefusal::kBadPadding},
  };
  for (const auto& k : cases) {
    CAPTURE(k.name);
    auto r = c.Decrypt(k.encrypt);
    REQUIRE_FALSE(r.ok());
    CHECK(CallbackRefusalName(r.error().reason) == std::string(CallbackRefusalName(k.reason)));
    CHECK_FALSE(r.error().message.empty());
  }
  // A wrong key sometimes yields valid-looking padding by chance; the layout or ReceiveId check
  // still refuses it. Whatever the reason, 200 random keys never decrypt.
  for (int i = 0; i < 200; ++i) {
    std::string key(43, 'A');
    for (int j = 0; j < 43; ++j) key[static_cast<size_t>(j)] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(i * 7 + j * 13 + i * j) % 64];
    auto other = CallbackCrypto::Create("t", key, kCorp);
    if (!other.ok() || key == kKey) continue;
    CHECK_FALSE(c.Decrypt(other->Encrypt(msg, "0123456789abcdef")).ok());
  }
}

TEST_CASE("callback crypto - signatures: sorted exact and a forged one does not match") {
  CallbackCrypto c = Make();
  std::string enc = c.Encrypt("<xml/>", "0123456789abcdef");
  std::string sig = c.Signature("1700000000", "nonce1", enc);
  CHECK(sig.size() == 40);
  CHECK(c.SignatureMatches(sig, "1700000000", "nonce1", enc));
  CHECK_FALSE(c.SignatureMatches(sig, "1700000001", "nonce1", enc));
  CHECK_FALSE(c.SignatureMatches(sig, "1700000000", "nonce2", enc));
  CHECK_FALSE(c.SignatureMatches(sig.substr(0, 39), "1700000000", "nonce1", enc));
  CHECK_FALSE(c.SignatureMatches(std::string(40, '0'), "1700000000", "nonce1", enc));
  CHECK_FALSE(Make("other-token").SignatureMatches(sig, "1700000000", "nonce1", enc));
}

TEST_CASE("callback crypto - bad keys and settings are refused at start naming the input") {
  CHECK_FALSE(CallbackCrypto::Create("t", "short", kCorp).ok());
  CHECK(CallbackCrypto::Create("t", "short", kCorp).error().message.find("43") != std::string::npos);
  CHECK_FALSE(CallbackCrypto::Create("t", std::string(42, 'a') + "!", kCorp).ok());
  CHECK_FALSE(CallbackCrypto::Create("", kKey, kCorp).ok());
  CHECK_FALSE(CallbackCrypto::Create("t", kKey, "").ok());
  auto bad = CallbackCrypto::Create("t", std::string(42, 'a') + "!", kCorp);
  CHECK(bad.error().message.find(std::string(42, 'a')) == std::string::npos);  // never the key
}

TEST_CASE("base64 - strict decoding") {
  CHECK(*DecodeBase64("") == "");
  CHECK(*DecodeBase64("Zg==") == "f");
  CHECK(*DecodeBase64("Zm8=") == "fo");
  CHECK(*DecodeBase64("Zm9v") == "foo");
  CHECK_FALSE(DecodeBase64("Zg=").has_value());
  CHECK(*DecodeBase64("Zh==") == "f");  // unused low bits ignored, as WeCom's SDKs do
  CHECK_FALSE(DecodeBase64("Z===").has_value());
  CHECK_FALSE(DecodeBase64("Zm9v\n").has_value());
  CHECK(EncodeBase64("foob") == "Zm9vYg==");
  for (int n = 0; n < 70; ++n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>(i * 37 + n);
    CHECK(*DecodeBase64(EncodeBase64(s)) == s);
  }
}

}  // namespace segsync::wecom
