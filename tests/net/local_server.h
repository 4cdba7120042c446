// A small HTTP(S) server on 127.0.0.1 for client tests: runs its own io_context on a thread;
// a handler decides each answer (status, body, delay, drop). Header-only, tests only.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "net/run_blocking.h"
#include "test_support.h"

namespace segsync::testing {

struct ServerRequest {
  std::string method;
  std::string target;
  std::string body;
  std::string authorization;
  std::string content_type;
  int in_flight = 0;  // requests being handled now, this one included
};

struct ServerReply {
  int status = 200;
  std::string body = R"({"errcode":0,"errmsg":"ok"})";
  int delay_ms = 0;
  bool drop = false;        // close without answering
  bool keep_alive = true;
};

// Files for a test CA and a server certificate for `san` (e.g. "DNS:localhost"), made with
// the openssl command line.
struct TestCerts {
  std::string ca_pem, server_pem, server_key;
};

inline TestCerts MakeTestCerts(const TempDir& dir, const std::string& san) {
  TestCerts c{dir / "ca.pem", dir / "server.pem", dir / "server.key"};
  auto run = [](const std::vector<std::string>& argv) {
    auto r = Run(argv);
    if (r.exit_code != 0) throw std::runtime_error("openssl failed: " + r.err);
  };
  std::string ec = "ec:" + (dir / "p256.pem");
  run({"/usr/bin/openssl", "ecparam", "-name", "prime256v1", "-out", dir / "p256.pem"});
  run({"/usr/bin/openssl", "req", "-x509", "-newkey", ec, "-nodes", "-keyout", dir / "ca.key", "-out", c.ca_pem, "-days",
       "2", "-subj", "/CN=segsync test CA"});
  run({"/usr/bin/openssl", "req", "-newkey", ec, "-nodes", "-keyout", c.server_key, "-out", dir / "server.csr", "-subj",
       "/CN=segsync test server"});
  WriteFile(dir / "ext.cnf", "subjectAltName=" + san + "\nbasicConstraints=CA:FALSE\n");
  run({"/usr/bin/openssl", "x509", "-req", "-in", dir / "server.csr", "-CA", c.ca_pem, "-CAkey", dir / "ca.key",
       "-CAcreateserial", "-out", c.server_pem, "-days", "2", "-extfile", dir / "ext.cnf"});
  return c;
}

class LocalServer {
 public:
  using Handler = std::function<ServerReply(const ServerRequest&)>;

  explicit LocalServer(Handler handler, std::optional<TestCerts> certs = std::nullopt)
      : handler_(std::move(handler)), acceptor_(io_) {
    namespace asio = boost::asio;
    if (certs) {
      ssl_.emplace(asio::ssl::context::tls_server);
      ssl_->use_certificate_chain_file(certs->server_pem);
      ssl_->use_private_key_file(certs->server_key, asio::ssl::context::pem);
    }
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, Accept(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LocalServer() {
    io_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string url(const std::string& host = "127.0.0.1") const {
    return std::string(ssl_ ? "https://" : "http://") + host + ":" + std::to_string(port_);
  }
  int requests() const { return requests_; }
  int connections() const { return connections_; }
  int peak_in_flight() const { return peak_; }

 private:
  boost::asio::awaitable<void> Accept() {
    for (;;) {
      auto socket = co_await acceptor_.async_accept(boost::asio::use_awaitable);
      ++connections_;
      boost::asio::co_spawn(io_, Session(std::move(socket)), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> Session(boost::asio::ip::tcp::socket socket) {
    namespace beast = boost::beast;
    if (ssl_) {
      beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *ssl_);
      boost::system::error_code ec;
      co_await stream.async_handshake(boost::asio::ssl::stream_base::server,
                                      boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (ec) co_return;
      co_await Serve(stream);
    } else {
      beast::tcp_stream stream(std::move(socket));
      co_await Serve(stream);
    }
  }

  template <class Stream>
  boost::asio::awaitable<void> Serve(Stream& stream) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      co_await http::async_read(stream, buffer, req, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (ec) co_return;
      ++requests_;
      int now = ++in_flight_;
      if (now > peak_) peak_ = now;
      ServerRequest r{std::string(req.method_string()), std::string(req.target()), req.body(),
                      std::string(req[http::field::authorization]), std::string(req[http::field::content_type]),
                      now};
      ServerReply reply = handler_(r);
      if (reply.delay_ms > 0) {
        boost::asio::steady_timer t(io_, std::chrono::milliseconds(reply.delay_ms));
        co_await t.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      }
      --in_flight_;
      if (reply.drop) co_return;  // the stream closes as it goes out of scope
      http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
      res.set(http::field::content_type, "application/json");
      res.body() = reply.body;
      res.keep_alive(reply.keep_alive && req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(stream, res, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) co_return;
    }
  }

  Handler handler_;
  boost::asio::io_context io_;
  std::optional<boost::asio::ssl::context> ssl_;
  boost::asio::ip::tcp::acceptor acceptor_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_{0}, connections_{0}, in_flight_{0}, peak_{0};
};

// Runs one coroutine to completion (the daemon's own bridge, so the tests exercise it).
template <class T>
T RunCoroutine(boost::asio::io_context& io, boost::asio::awaitable<T> aw) {
  return net::RunBlocking(io, std::move(aw));
}

}  // namespace segsync::testing
