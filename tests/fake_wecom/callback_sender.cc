#include "callback_sender.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <stdexcept>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/url.hpp>

namespace segsync::fake {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

std::string B64Encode(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string AesKey(const std::string& encoding_aes_key) {
  std::string b64 = encoding_aes_key + "=";
  std::string out(b64.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (encoding_aes_key.size() != 43 || n < 33) throw std::runtime_error("encoding_aes_key must be 43 base64 characters");
  out.resize(32);  // EVP_DecodeBlock counts the '=' pad as a zero byte
  return out;
}

std::string RandomDigits(int n) {
  std::string s;
  unsigned char b[32];
  RAND_bytes(b, n);
  for (int i = 0; i < n; ++i) s += static_cast<char>('0' + b[i] % 10);
  return s;
}

std::string Cdata(const std::string& v) { return "<![CDATA[" + v + "]]>"; }

}  // namespace

std::string FakeEncrypt(const CallbackTarget& t, const std::string& xml, const std::string& random16) {
  std::string key = AesKey(t.encoding_aes_key);
  std::string plain = random16.substr(0, 16);
  uint32_t n = static_cast<uint32_t>(xml.size());
  plain += static_cast<char>(n >> 24);
  plain += static_cast<char>(n >> 16);
  plain += static_cast<char>(n >> 8);
  plain += static_cast<char>(n);
  plain += xml + t.corpid;
  size_t pad = 32 - plain.size() % 32;
  plain.append(pad, static_cast<char>(pad));
  std::string out(plain.size(), '\0');
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  auto k = reinterpret_cast<const unsigned char*>(key.data());
  int len = 0, fin = 0;
  EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, k, k);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                    reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
  EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + len, &fin);
  EVP_CIPHER_CTX_free(ctx);
  return B64Encode(out);
}

std::string FakeSignature(const std::string& token, const std::string& timestamp, const std::string& nonce,
                          const std::string& encrypt) {
  std::vector<std::string> parts{token, timestamp, nonce, encrypt};
  std::sort(parts.begin(), parts.end());
  std::string joined;
  for (const auto& p : parts) joined += p;
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(joined.data()), joined.size(), md);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : md) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

CallbackSender::CallbackSender() : thread_([this] { Loop(); }) {}

CallbackSender::~CallbackSender() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void CallbackSender::Configure(CallbackTarget target) {
  if (!target.url.empty()) {
    AesKey(target.encoding_aes_key);  // throws when bad
    auto u = boost::urls::parse_uri(target.url);
    if (!u || u->scheme() != "http") throw std::runtime_error("url must be http://HOST:PORT/PATH");
    if (target.token.empty()) throw std::runtime_error("token is required");
  }
  std::lock_guard lock(mu_);
  target_ = std::move(target);
}

bool CallbackSender::enabled() {
  std::lock_guard lock(mu_);
  return !target_.url.empty();
}

void CallbackSender::Send(std::vector<std::pair<std::string, std::string>> fields) {
  std::lock_guard lock(mu_);
  if (target_.url.empty()) return;
  std::string xml = "<xml><ToUserName>" + Cdata(target_.corpid) + "</ToUserName><FromUserName>" + Cdata("sys") +
                    "</FromUserName><CreateTime>" + std::to_string(std::time(nullptr)) +
                    "</CreateTime><MsgType>" + Cdata("event") + "</MsgType>";
  for (const auto& [k, v] : fields) xml += "<" + k + ">" + Cdata(v) + "</" + k + ">";
  xml += "</xml>";
  jobs_.push_back({std::move(xml), 1});
  cv_.notify_all();
}

json::array CallbackSender::Log() {
  std::lock_guard lock(mu_);
  return log_;
}

void CallbackSender::Loop() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Deliver(std::move(job));
  }
}

void CallbackSender::Deliver(Job job) {
  CallbackTarget t;
  {
    std::lock_guard lock(mu_);
    t = target_;
  }
  if (t.url.empty()) return;
  unsigned char rnd[16];
  RAND_bytes(rnd, 16);
  std::string encrypt = FakeEncrypt(t, job.xml, std::string(reinterpret_cast<char*>(rnd), 16));
  std::string timestamp = std::to_string(std::time(nullptr));
  std::string nonce = RandomDigits(10);
  std::string signature = FakeSignature(t.token, timestamp, nonce, encrypt);
  auto u = boost::urls::parse_uri(t.url);
  std::string path = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  std::string target = path + "?msg_signature=" + signature + "&timestamp=" + timestamp + "&nonce=" + nonce;
  std::string body = "<xml><ToUserName>" + Cdata(t.corpid) + "</ToUserName><Encrypt>" + Cdata(encrypt) +
                     "</Encrypt><AgentID>" + Cdata("1000002") + "</AgentID></xml>";
  int status = 0;
  std::string answer;
  try {
    asio::io_context io;
    beast::tcp_stream s(io);
    s.expires_after(std::chrono::seconds(5));  // WeCom's limit
    asio::ip::tcp::resolver resolver(io);
    s.connect(resolver.resolve(std::string(u->host()), u->has_port() ? std::string(u->port()) : "80"));
    http::request<http::string_body> req(http::verb::post, target, 11);
    req.set(http::field::host, std::string(u->host()));
    req.set(http::field::content_type, "text/xml");
    req.body() = body;
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    status = static_cast<int>(res.result_int());
    answer = res.body();
    beast::error_code ec;
    s.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  } catch (const std::exception& e) {
    answer = e.what();
  }
  bool ok = status == 200 && answer == "success";
  {
    std::lock_guard lock(mu_);
    log_.push_back(json::object{{"seq", ++seq_}, {"target", target}, {"body", body}, {"xml", job.xml},
                                {"status", status}, {"answer", answer}, {"attempt", job.attempt}});
    if (log_.size() > 200) log_.erase(log_.begin());
  }
  if (!ok && job.attempt < 4) {  // the first try and 3 retries
    std::this_thread::sleep_for(std::chrono::seconds(1));
    ++job.attempt;
    std::lock_guard lock(mu_);
    jobs_.push_front(std::move(job));
  }
}

}  // namespace segsync::fake
