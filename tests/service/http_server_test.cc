// The metrics HTTP server against real sockets on 127.0.0.1: routes, methods, limits,
// the connection cap, and a slow-loris client that is dropped while others are served.
#include <chrono>
#include <cstdio>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <doctest/doctest.h>

#include "http_client.h"
#include "service/http_server.h"

namespace segsync {
namespace {

using testing::BodyOf;
using testing::HttpGet;
using testing::RawClient;
using testing::StatusOf;
using namespace std::chrono_literals;

// A server on its own io thread, stopped and joined on destruction.
class ServerFixture {
 public:
  explicit ServerFixture(HttpServerOptions options = {}) : log_(log_file_) {
    HttpRoutes routes{
        {"/metrics", [] { return HttpResponse{200, kPrometheusContentType, "up 1\n"}; }},
        {"/healthz", [this] {
           return healthy_ ? HttpResponse{200, "text/plain; charset=utf-8", "ok\n"}
                           : HttpResponse{503, "text/plain; charset=utf-8", "broken\n"};
         }},
    };
    auto server = HttpServer::Start(io_, "127.0.0.1:0", routes, options, log_);
    REQUIRE(server.ok());
    server_ = std::move(*server);
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ServerFixture() {
    boost::asio::post(io_, [this] { server_->Stop(); });
    work_.reset();
    thread_.join();
    std::fclose(log_file_);
  }
  uint16_t port() const { return port_; }
  std::atomic<bool> healthy_{true};

 private:
  std::FILE* log_file_ = std::tmpfile();
  Logger log_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST_CASE("http: routes, methods and HEAD") {
  ServerFixture f;
  std::string r = HttpGet(f.port(), "/metrics?x=1");
  CHECK(StatusOf(r) == 200);
  CHECK(BodyOf(r) == "up 1\n");
  CHECK(r.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != std::string::npos);

  r = HttpGet(f.port(), "/metrics", "HEAD");
  CHECK(StatusOf(r) == 200);
  CHECK(r.find("Content-Length: 5\r\n") != std::string::npos);
  CHECK(BodyOf(r).empty());

  CHECK(StatusOf(HttpGet(f.port(), "/healthz")) == 200);
  f.healthy_ = false;
  r = HttpGet(f.port(), "/healthz");
  CHECK(StatusOf(r) == 503);
  CHECK(BodyOf(r) == "broken\n");

  CHECK(StatusOf(HttpGet(f.port(), "/nope")) == 404);
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    CAPTURE(method);
    r = HttpGet(f.port(), "/metrics", method);
    CHECK(StatusOf(r) == 405);
    CHECK(r.find("Allow: GET, HEAD\r\n") != std::string::npos);
  }
}

TEST_CASE("http: keep-alive serves several requests on one connection") {
  ServerFixture f;
  RawClient c(f.port());
  REQUIRE(c.connected());
  for (int i = 0; i < 3; ++i) {
    REQUIRE(c.Send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string r = c.ReadResponse(3000);
    CHECK(StatusOf(r) == 200);
  }
}

TEST_CASE("http: oversized header and body are refused") {
  ServerFixture f;
  RawClient c(f.port());
  REQUIRE(c.connected());
  c.Send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  std::string r = c.ReadUntilClose(3000);
  CHECK(StatusOf(r) == 431);

  RawClient d(f.port());
  d.Send("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(5000, 'b'));
  CHECK(StatusOf(d.ReadUntilClose(3000)) == 413);

  RawClient e(f.port());
  e.Send("BREW /pot HTCPCP/1.0\r\n\r\n");
  CHECK(StatusOf(e.ReadUntilClose(3000)) == 400);
}

TEST_CASE("http: a slow-loris client is dropped after the timeout while others are served") {
  HttpServerOptions options;
  options.request_timeout = 700ms;
  ServerFixture f(options);
  RawClient slow(f.port());
  REQUIRE(slow.connected());
  auto start = std::chrono::steady_clock::now();
  std::string request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  bool dropped = false;
  int served_meanwhile = 0;
  for (size_t i = 0; i < request.size() && !dropped; ++i) {
    if (!slow.Send(std::string(1, request[i]))) break;  // one byte every 50 ms
    if (i % 4 == 0 && StatusOf(HttpGet(f.port(), "/metrics")) == 200) ++served_meanwhile;
    dropped = slow.WaitClosed(50);
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(dropped);
  CHECK(elapsed >= 600ms);
  CHECK(elapsed < 3s);
  CHECK(served_meanwhile >= 3);
  CHECK(StatusOf(HttpGet(f.port(), "/metrics")) == 200);
}

TEST_CASE("http: connections over the cap are closed at once") {
  HttpServerOptions options;
  options.max_connections = 2;
  ServerFixture f(options);
  RawClient a(f.port()), b(f.port());
  a.Send("G");
  b.Send("G");
  std::this_thread::sleep_for(100ms);
  RawClient c(f.port());
  REQUIRE(c.connected());  // the kernel accepts; the server closes it
  CHECK(c.WaitClosed(2000));
  a.Send("ET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(StatusOf(a.ReadUntilClose(3000)) == 200);
  std::this_thread::sleep_for(100ms);
  CHECK(StatusOf(HttpGet(f.port(), "/metrics")) == 200);  // a slot is free again
}

TEST_CASE("http: bad listen addresses") {
  boost::asio::io_context io;
  std::FILE* sink = std::tmpfile();
  Logger log(sink);
  struct Case {
    const char* listen;
    ErrorCode code;
  };
  for (auto c : {Case{"9464", ErrorCode::kInvalidInput}, Case{"localhost:9464", ErrorCode::kInvalidInput},
                 Case{"127.0.0.1:99999", ErrorCode::kInvalidInput}, Case{"127.0.0.1:", ErrorCode::kInvalidInput},
                 Case{"127.0.0.1:9x", ErrorCode::kInvalidInput}, Case{"192.0.2.1:9464", ErrorCode::kIo}}) {
    CAPTURE(c.listen);
    auto s = HttpServer::Start(io, c.listen, {}, {}, log);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == c.code);
  }
  auto first = HttpServer::Start(io, "127.0.0.1:0", {}, {}, log);
  REQUIRE(first.ok());
  auto second = HttpServer::Start(io, "127.0.0.1:" + std::to_string((*first)->port()), {}, {}, log);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().message.find("cannot listen on") != std::string::npos);
  auto v6 = HttpServer::Start(io, "[::1]:0", {}, {}, log);
  CHECK((v6.ok() || v6.error().code == ErrorCode::kIo));  // ::1 may be absent in a container
  std::fclose(sink);
}

}  // namespace
}  // namespace segsync
