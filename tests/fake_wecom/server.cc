#include "server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include <cstdio>
#include <thread>
#include <vector>

namespace segsync::fake {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

constexpr std::uint64_t kBodyLimit = 32 * 1024 * 1024;  // add_msg_template with 10k ids fits

tcp::socket& Socket(tcp::socket& s) { return s; }
tcp::socket& Socket(asio::ssl::stream<tcp::socket>& s) { return s.next_layer(); }

template <typename Stream>
awaitable<void> Session(Stream stream, App& app) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (ec) break;  // closed by the client, or a malformed request
    auto& req = parser.get();
    HttpResponse answer = app.Handle({std::string(req.method_string()), std::string(req.target()), req.body()});
    if (answer.delay_ms > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(answer.delay_ms));
      co_await timer.async_wait(kNoThrow);
    }
    if (answer.drop) {
      beast::error_code ignored;
      Socket(stream).shutdown(tcp::socket::shutdown_both, ignored);
      Socket(stream).close(ignored);
      co_return;
    }
    http::response<http::string_body> res{static_cast<http::status>(answer.status), req.version()};
    res.set(http::field::server, "fake-wecom");
    res.set(http::field::content_type, answer.content_type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(answer.body);
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, res, kNoThrow);
    answer.hold.reset();
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  Socket(stream).shutdown(tcp::socket::shutdown_send, ignored);
}

awaitable<void> PlainSession(tcp::socket socket, App& app) { co_await Session(std::move(socket), app); }

awaitable<void> TlsSession(tcp::socket socket, asio::ssl::context& tls, App& app) {
  asio::ssl::stream<tcp::socket> stream(std::move(socket), tls);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kNoThrow);
  if (ec) co_return;
  co_await Session(std::move(stream), app);
}

awaitable<void> Accept(tcp::acceptor& acceptor, asio::ssl::context* tls, App& app, asio::io_context& ioc) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kNoThrow);
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      continue;  // e.g. too many open files: keep serving the connections we have
    }
    socket.set_option(tcp::no_delay(true));
    auto exec = socket.get_executor();
    if (tls) asio::co_spawn(exec, TlsSession(std::move(socket), *tls, app), asio::detached);
    else asio::co_spawn(exec, PlainSession(std::move(socket), app), asio::detached);
  }
}

}  // namespace

int Serve(const ServerConfig& config, App& app, Logger& log) {
  std::unique_ptr<asio::ssl::context> tls;  // declared first: outlives the sessions using it
  if (!config.tls_cert.empty()) {
    tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    boost::system::error_code ec;
    tls->use_certificate_chain_file(config.tls_cert, ec);
    if (!ec) tls->use_private_key_file(config.tls_key, asio::ssl::context::pem, ec);
    if (ec) {
      log.Error("cannot load the TLS certificate or key", {{"cert", config.tls_cert}, {"error", ec.message()}});
      return 1;
    }
  }
  asio::io_context ioc(config.threads);
  tcp::acceptor acceptor(ioc);
  boost::system::error_code ec;
  tcp::endpoint where(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(config.port));
  acceptor.open(where.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(where, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    log.Error("cannot listen", {{"port", std::to_string(config.port)}, {"error", ec.message()}});
    return 1;
  }
  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });
  asio::co_spawn(ioc, Accept(acceptor, tls.get(), app, ioc), asio::detached);

  int port = acceptor.local_endpoint().port();
  std::printf("%d\n", port);
  std::fflush(stdout);
  log.Info("fake-wecom listening", {{"port", std::to_string(port)}, {"tls", tls ? "yes" : "no"},
                                   {"threads", std::to_string(config.threads)}});
  std::vector<std::thread> workers;
  for (int i = 1; i < config.threads; ++i) workers.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : workers) t.join();
  log.Info("fake-wecom stopped");
  return 0;
}

}  // namespace segsync::fake
