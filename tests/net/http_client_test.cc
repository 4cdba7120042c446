#include "net/http_client.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "net/local_server.h"
#include "test_support.h"

namespace segsync::net {

using testing::LocalServer;
using testing::RunCoroutine;
using testing::ServerReply;
using testing::ServerRequest;

namespace {

std::unique_ptr<HttpClient> MakeClient(boost::asio::io_context& io, const std::string& url,
                                       std::chrono::milliseconds timeout = std::chrono::milliseconds(2000),
                                       const std::string& ca_file = "", std::size_t cap = 1 << 20) {
  HttpOptions o;
  o.base_url = url;
  o.timeout = timeout;
  o.ca_file = ca_file;
  o.max_body_bytes = cap;
  auto c = HttpClient::Create(io, o);
  REQUIRE(c.ok());
  return std::move(*c);
}

Result<HttpResponse> Get(boost::asio::io_context& io, HttpClient& c, const std::string& target) {
  return RunCoroutine(io, c.Request("GET", target, ""));
}

}  // namespace

TEST_CASE("plain http: keep-alive connections are reused across requests") {
  std::mutex mu;
  std::vector<ServerRequest> seen;
  LocalServer server([&](const ServerRequest& r) {
    std::lock_guard lock(mu);
    seen.push_back(r);
    return ServerReply{200, "{\"n\":" + std::to_string(seen.size()) + "}"};
  });
  boost::asio::io_context io;
  auto client = MakeClient(io, server.url() + "/base/");
  for (int i = 1; i <= 3; ++i) {
    auto r = RunCoroutine(io, client->Request("POST", "/x?a=1", "{\"名\":\"值\"}"));
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "{\"n\":" + std::to_string(i) + "}");
  }
  CHECK(server.connections() == 1);
  CHECK(client->stats().connections_opened == 1);
  CHECK(client->stats().connections_reused == 2);
  std::lock_guard lock(mu);
  CHECK(seen[0].target == "/base/x?a=1");
  CHECK(seen[0].content_type == "application/json; charset=utf-8");
  CHECK(seen[0].body == "{\"名\":\"值\"}");
}

TEST_CASE("a server that closes after each answer costs a new connection, not an error") {
  LocalServer server([](const ServerRequest&) { return ServerReply{200, "{}", 0, false, false}; });
  boost::asio::io_context io;
  auto client = MakeClient(io, server.url());
  for (int i = 0; i < 3; ++i) REQUIRE(Get(io, *client, "/").ok());
  CHECK(server.connections() == 3);
}

TEST_CASE("non-2xx is returned to the caller, not an error") {
  LocalServer server([](const ServerRequest&) { return ServerReply{503, "busy"}; });
  boost::asio::io_context io;
  auto client = MakeClient(io, server.url());
  auto r = Get(io, *client, "/");
  REQUIRE(r.ok());
  CHECK(r->status == 503);
}

TEST_CASE("failures: timeout, dropped connection, body above the cap, nobody listening") {
  LocalServer server([](const ServerRequest& r) {
    if (r.target.starts_with("/slow")) return ServerReply{200, "{}", 1000};
    if (r.target.starts_with("/drop")) return ServerReply{200, "", 0, true};
    return ServerReply{200, std::string(5000, 'x')};
  });
  boost::asio::io_context io;
  auto client = MakeClient(io, server.url(), std::chrono::milliseconds(200), "", 4096);
  auto slow = Get(io, *client, "/slow?secret=s3cr3t");
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.error().code == ErrorCode::kTransient);
  CHECK(slow.error().message == "GET " + server.url() + "/slow: timed out after 200 ms");
  auto drop = Get(io, *client, "/drop");
  REQUIRE_FALSE(drop.ok());
  CHECK(drop.error().code == ErrorCode::kTransient);
  CHECK(drop.error().message.find("connection failed") != std::string::npos);
  auto big = Get(io, *client, "/big");
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().code == ErrorCode::kRemote);
  CHECK(big.error().message.find("above the cap of 4096 bytes") != std::string::npos);

  int port = 0;
  {
    LocalServer gone([](const ServerRequest&) { return ServerReply{}; });
    port = gone.port();
  }
  auto closed = MakeClient(io, "http://127.0.0.1:" + std::to_string(port));
  auto refused = Get(io, *closed, "/");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kTransient);
  CHECK(refused.error().message.find("cannot connect to http://127.0.0.1:") != std::string::npos);
}

TEST_CASE("bad base URLs are refused when the client is made") {
  boost::asio::io_context io;
  for (const char* url : {"ftp://example.org", "not a url", "https://", "https://h/x?q=1"}) {
    CAPTURE(url);
    HttpOptions o;
    o.base_url = url;
    auto c = HttpClient::Create(io, o);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().code == ErrorCode::kInvalidInput);
  }
  HttpOptions o;
  o.base_url = "https://localhost:1";
  o.ca_file = "/nonexistent/ca.pem";
  auto c = HttpClient::Create(io, o);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message.find("cannot load CA file '/nonexistent/ca.pem'") == 0);
}

TEST_CASE("TLS: accepted with the test CA, refused without it, refused for the wrong host name") {
  testing::TempDir dir;
  auto certs = testing::MakeTestCerts(dir, "DNS:localhost");
  LocalServer server([](const ServerRequest&) { return ServerReply{200, "{\"tls\":true}"}; }, certs);
  boost::asio::io_context io;

  auto good = MakeClient(io, server.url("localhost"), std::chrono::milliseconds(3000), certs.ca_pem);
  auto ok = Get(io, *good, "/");
  REQUIRE(ok.ok());
  CHECK(ok->body == "{\"tls\":true}");
  REQUIRE(Get(io, *good, "/").ok());
  CHECK(good->stats().connections_opened == 1);

  auto untrusted = MakeClient(io, server.url("localhost"), std::chrono::milliseconds(3000));
  auto refused = Get(io, *untrusted, "/");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kFatal);
  CHECK(refused.error().message.find("TLS: the certificate of https://localhost:") != std::string::npos);
  CHECK(refused.error().message.find("certificate") != std::string::npos);
  CHECK(refused.error().message.find("set wecom.ca_file") != std::string::npos);

  auto wrong_host = MakeClient(io, server.url("127.0.0.1"), std::chrono::milliseconds(3000), certs.ca_pem);
  auto mismatch = Get(io, *wrong_host, "/");
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.error().code == ErrorCode::kFatal);
  CHECK(mismatch.error().message.find("mismatch") != std::string::npos);
  CHECK(server.requests() == 2);  // neither refused client sent its request
}

TEST_CASE("an http client does not talk to a TLS server, and the reverse") {
  testing::TempDir dir;
  auto certs = testing::MakeTestCerts(dir, "IP:127.0.0.1");
  LocalServer tls_server([](const ServerRequest&) { return ServerReply{}; }, certs);
  LocalServer plain_server([](const ServerRequest&) { return ServerReply{}; });
  boost::asio::io_context io;
  auto ip_ok = MakeClient(io, tls_server.url(), std::chrono::milliseconds(3000), certs.ca_pem);
  CHECK(Get(io, *ip_ok, "/").ok());  // an IP SAN matches an IP URL
  auto plain_to_tls = MakeClient(io, "http://127.0.0.1:" + std::to_string(tls_server.port()), std::chrono::milliseconds(500));
  CHECK_FALSE(Get(io, *plain_to_tls, "/").ok());
  auto tls_to_plain = MakeClient(io, "https://127.0.0.1:" + std::to_string(plain_server.port()),
                                 std::chrono::milliseconds(500), certs.ca_pem);
  auto r = Get(io, *tls_to_plain, "/");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("TLS handshake") != std::string::npos);
}

TEST_CASE("download streams the body to a file with the bearer token, and fails cleanly") {
  std::string payload;
  for (int i = 0; i < 20000; ++i) payload += "C" + std::to_string(i) + ",Affiliate\n";
  std::atomic<int> authorized{0};
  LocalServer server([&](const ServerRequest& r) {
    if (r.authorization == "Bearer tok-123") ++authorized;
    if (r.target.rfind("/export.csv", 0) == 0) return ServerReply{200, payload};
    return ServerReply{404, "no"};
  });
  testing::TempDir dir;
  FetchOptions fo;
  fo.bearer_token = "tok-123";
  auto n = FetchToFile(server.url() + "/export.csv?sig=abc", dir / "a.csv", fo);
  REQUIRE(n.ok());
  CHECK(*n == payload.size());
  CHECK(testing::ReadFile(dir / "a.csv") == payload);
  CHECK(authorized == 1);

  auto missing = FetchToFile(server.url() + "/nope?sig=SECRETSIG", dir / "b.csv", fo);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "GET " + server.url() + "/nope: HTTP 404");
  CHECK_FALSE(std::filesystem::exists(dir / "b.csv"));
  CHECK_FALSE(std::filesystem::exists(dir / "b.csv.part"));

  fo.max_bytes = 1000;
  auto too_big = FetchToFile(server.url() + "/export.csv", dir / "c.csv", fo);
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.error().message.find("larger than the cap of 1000 bytes") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "c.csv.part"));
}

}  // namespace segsync::net
