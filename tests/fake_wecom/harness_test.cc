// The harness implementation (Beast client, process start) plus tests of the server's
// transport: the port line, keep-alive, bad requests, flags, TLS.
#include "harness.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include <cstdio>
#include <optional>

namespace segsync::fake::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

json::object HttpResult::Json() const {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  REQUIRE_MESSAGE(!ec, "not JSON: " << body);
  REQUIRE_MESSAGE(v.is_object(), "not an object: " << body);
  return v.get_object();
}

std::int64_t Errcode(const json::object& answer) {
  auto it = answer.find("errcode");
  return it == answer.end() ? 0 : it->value().to_number<std::int64_t>();
}

struct Client::Impl {
  asio::io_context ioc;
  asio::ssl::context tls_ctx{asio::ssl::context::tls_client};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool open = false;

  template <typename Stream>
  HttpResult Exchange(Stream& s, http::request<http::string_body>& req) {
    HttpResult r;
    beast::error_code ec;
    http::write(s, req, ec);
    if (ec) {
      r.dropped = true;
      open = false;
      return r;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    http::read(s, buffer, parser, ec);
    if (ec) {
      r.dropped = true;
      open = false;
      return r;
    }
    r.status = parser.get().result_int();
    r.body = parser.get().body();
    if (!parser.get().keep_alive()) open = false;
    return r;
  }
};

Client::Client(int port, bool tls) : impl_(std::make_unique<Impl>()) {
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  if (tls) {
    impl_->tls_ctx.set_verify_mode(asio::ssl::verify_none);
    impl_->tls.emplace(impl_->ioc, impl_->tls_ctx);
    beast::get_lowest_layer(*impl_->tls).connect(ep);
    impl_->tls->handshake(asio::ssl::stream_base::client);
  } else {
    impl_->plain.emplace(impl_->ioc);
    impl_->plain->connect(ep);
  }
  impl_->open = true;
}

Client::~Client() = default;

bool Client::is_open() const { return impl_->open; }

HttpResult Client::Send(const std::string& method, const std::string& target, const std::string& body,
                        const std::string& content_type) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!content_type.empty()) req.set(http::field::content_type, content_type);
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
  // A generous deadline: a test waiting on a delay fault must not hang forever either.
  if (impl_->plain) {
    impl_->plain->expires_after(std::chrono::seconds(30));
    return impl_->Exchange(*impl_->plain, req);
  }
  beast::get_lowest_layer(*impl_->tls).expires_after(std::chrono::seconds(30));
  return impl_->Exchange(*impl_->tls, req);
}

FakeServer::FakeServer(const std::vector<std::string>& args) {
  std::vector<std::string> argv{FAKE_WECOM_BIN, "--port", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<segsync::testing::ChildProcess>(argv);
  std::string line = process_->ReadLine(20000);
  REQUIRE_MESSAGE(!line.empty(), "fake-wecom printed no port; stderr: "
                                     << segsync::testing::ReadFile(process_->stderr_path()));
  port_ = std::stoi(line);
  REQUIRE(port_ > 0);
}

HttpResult FakeServer::Request(const std::string& method, const std::string& target, const std::string& body) {
  Client c(port_);
  return c.Send(method, target, body);
}

std::string FakeServer::Token() {
  if (token_.empty()) {
    auto r = Request("GET", "/cgi-bin/gettoken?corpid=wwfakecorp0000001&corpsecret=fake-secret-do-not-use").Json();
    REQUIRE(Errcode(r) == 0);
    token_ = std::string(r.at("access_token").as_string());
  }
  return token_;
}

json::object FakeServer::Api(const std::string& endpoint, const json::object& body) {
  return Request("POST", "/cgi-bin/externalcontact/" + endpoint + "?access_token=" + Token(), json::serialize(body))
      .Json();
}

json::object FakeServer::ApiGet(const std::string& endpoint, const std::string& query) {
  return Request("GET", "/cgi-bin/externalcontact/" + endpoint + "?" + query + "&access_token=" + Token()).Json();
}

HttpResult FakeServer::AdminRaw(const std::string& path, const json::object& body) {
  bool get = path == "state" || path == "stats";
  return Request(get ? "GET" : "POST", "/admin/" + path, get ? "" : json::serialize(body));
}

json::object FakeServer::Admin(const std::string& path, const json::object& body) {
  HttpResult r = AdminRaw(path, body);
  json::object o = r.Json();
  REQUIRE_MESSAGE(o["ok"] == true, "/admin/" << path << ": " << r.body);
  return o;
}

void WriteSelfSignedCert(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  REQUIRE(key);
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);
  FILE* f = std::fopen(cert_path.c_str(), "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
  f = std::fopen(key_path.c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
}

TEST_CASE("the port line comes first and two servers run side by side on free ports") {
  FakeServer a, b;
  CHECK(a.port() != b.port());
  CHECK(Errcode(a.Api("get_corp_tag_list")) == 0);
  CHECK(Errcode(b.Api("get_corp_tag_list")) == 0);
}

TEST_CASE("one keep-alive connection carries many requests") {
  FakeServer s;
  std::string token = s.Token();
  Client c(s.port());
  for (int i = 0; i < 20; ++i) {
    HttpResult r = c.Send("POST", "/cgi-bin/externalcontact/get_corp_tag_list?access_token=" + token, "{}");
    REQUIRE(r.status == 200);
    CHECK(Errcode(r.Json()) == 0);
  }
  CHECK(c.is_open());
}

TEST_CASE("unknown paths are 404; bodies that are not JSON are 47001 with or without Content-Type") {
  FakeServer s;
  CHECK(s.Request("GET", "/cgi-bin/externalcontact/no_such_thing").status == 404);
  CHECK(s.Request("GET", "/elsewhere").status == 404);
  std::string target = "/cgi-bin/externalcontact/add_corp_tag?access_token=" + s.Token();
  Client c(s.port());
  for (const std::string& ct : {std::string("application/json"), std::string()}) {
    CAPTURE(ct);
    CHECK(Errcode(c.Send("POST", target, "{not json", ct).Json()) == 47001);
    CHECK(Errcode(c.Send("POST", target, "[1,2]", ct).Json()) == 47001);
    // Raw UTF-8 and unknown fields are fine without a Content-Type too.
    auto ok = c.Send("POST", target, R"({"group_name":"会籍阶段","tag":[{"name":"待转会员"}],"extra":{"x":1}})", ct).Json();
    CHECK(Errcode(ok) == 0);
    CHECK(ok["tag_group"].at("group_name") == "会籍阶段");
  }
}

TEST_CASE("bad flags exit 2 with a message; a bad state file exits 1") {
  segsync::testing::TempDir dir;
  auto r = segsync::testing::Run({FAKE_WECOM_BIN, "--generate", "customers=x"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--generate") != std::string::npos);
  r = segsync::testing::Run({FAKE_WECOM_BIN, "--tls-cert", "a.pem"});
  CHECK(r.exit_code == 2);
  r = segsync::testing::Run({FAKE_WECOM_BIN, "--threads", "0"});
  CHECK(r.exit_code == 2);
  segsync::testing::WriteFile(dir / "bad.json", R"({"relationships":[{"userid":"u"}]})");
  r = segsync::testing::Run({FAKE_WECOM_BIN, "--state", dir / "bad.json"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("userid and external_userid") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("TLS mode serves the same API over HTTPS") {
  segsync::testing::TempDir dir;
  WriteSelfSignedCert(dir / "cert.pem", dir / "key.pem");
  FakeServer s({"--tls-cert", dir / "cert.pem", "--tls-key", dir / "key.pem"});
  Client c(s.port(), /*tls=*/true);
  auto r = c.Send("GET", "/cgi-bin/gettoken?corpid=wwfakecorp0000001&corpsecret=fake-secret-do-not-use").Json();
  CHECK(Errcode(r) == 0);
  CHECK(r["expires_in"] == 7200);
  // Plain HTTP to a TLS port gets no answer.
  CHECK(s.Request("GET", "/admin/stats").status == 0);
}

TEST_CASE("SIGTERM stops the server cleanly and --dump-state-on-exit writes the state") {
  segsync::testing::TempDir dir;
  FakeServer s({"--dump-state-on-exit", dir / "out.json", "--generate", "customers=10,members=2,seed=3"});
  s.process().Signal(SIGTERM);
  CHECK(s.process().Wait() == 0);
  json::value v = json::parse(segsync::testing::ReadFile(dir / "out.json"));
  CHECK(v.at("relationships").as_array().size() == 12);  // 10 + 2 second relationships
}

}  // namespace segsync::fake::testing
