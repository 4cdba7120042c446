// Beast HTTP server with coroutines; see http_server.h for the contract.
#include "service/http_server.h"

#include <algorithm>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace segsync {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// "host:port" or "[v6]:port" -> endpoint.
Result<tcp::endpoint> ParseListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size())
    return Error{ErrorCode::kInvalidInput, "listen address must be HOST:PORT, got '" + listen + "'"};
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  unsigned long port = 0;
  try {
    size_t used = 0;
    port = std::stoul(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return Error{ErrorCode::kInvalidInput, "listen address: bad port in '" + listen + "'"};
  }
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec)
    return Error{ErrorCode::kInvalidInput,
                 "listen address: '" + host + "' is not an IP address (use 127.0.0.1 or ::1)"};
  return tcp::endpoint(addr, static_cast<uint16_t>(port));
}

http::status ParseErrorStatus(const boost::system::error_code& ec) {
  if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow)
    return http::status::payload_too_large;
  return http::status::bad_request;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, HttpRoutes r, HttpRequestRoutes rr, HttpServerOptions o, Logger& l)
      : acceptor(io), routes(std::move(r)), request_routes(std::move(rr)), options(o), log(l) {}

  asio::awaitable<void> Accept();
  asio::awaitable<void> Serve(tcp::socket socket);
  http::response<http::string_body> Handle(const http::request<http::string_body>& req);

  tcp::acceptor acceptor;
  HttpRoutes routes;
  HttpRequestRoutes request_routes;
  HttpServerOptions options;
  Logger& log;
  std::set<beast::tcp_stream*> live;  // io thread only
  bool stopped = false;
};

asio::awaitable<void> HttpServer::Impl::Accept() {
  auto self = shared_from_this();  // the frame may outlive the HttpServer handle
  while (!stopped) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (stopped || ec == asio::error::operation_aborted) break;
    if (ec) continue;  // e.g. EMFILE: keep serving the others
    if (live.size() >= options.max_connections) {
      log.Debug("http connection refused: too many connections",
                {{"limit", std::to_string(options.max_connections)}});
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), Serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> HttpServer::Impl::Serve(tcp::socket socket) {
  auto self = shared_from_this();
  beast::tcp_stream stream(std::move(socket));
  live.insert(&stream);
  struct Unlist {
    std::set<beast::tcp_stream*>& live;
    beast::tcp_stream* s;
    ~Unlist() { live.erase(s); }
  } unlist{live, &stream};
  size_t max_body = options.max_body_bytes;
  for (const auto& [path, route] : request_routes) max_body = std::max(max_body, route.max_body_bytes);
  beast::flat_buffer buffer(options.max_header_bytes + max_body + 1024);
  for (int n = 0; n < options.max_requests_per_connection && !stopped; ++n) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    // Beast checks Content-Length against the limit while parsing the header, so the header is
    // read with the largest cap and the request's own cap is applied once its target is known.
    parser.body_limit(max_body);
    stream.expires_after(options.request_timeout);  // the whole request, not per read
    auto [ec, bytes] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    if (!ec && !parser.is_done()) {
      // A POST to a request route gets that route's body cap; everything else keeps the small one.
      size_t limit = options.max_body_bytes;
      if (parser.get().method() == http::verb::post) {
        std::string_view path = parser.get().target();
        auto route = request_routes.find(std::string(path.substr(0, path.find('?'))));
        if (route != request_routes.end()) limit = route->second.max_body_bytes;
      }
      if (parser.content_length() && *parser.content_length() > limit) {
        ec = http::error::body_limit;
      } else {
        parser.body_limit(limit);
        auto [body_ec, body_bytes] = co_await http::async_read(stream, buffer, parser, kTuple);
        ec = body_ec;
      }
    }
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted) break;
    if (ec == beast::error::timeout) {
      log.Debug("http client dropped: request not received in time");
      break;
    }
    if (ec && ec.category() != http::make_error_code(http::error::end_of_stream).category())
      break;  // reset, EOF mid-request: nobody to answer
    http::response<http::string_body> res;
    bool keep_alive = false;
    if (ec) {
      res = http::response<http::string_body>(ParseErrorStatus(ec), 11);
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = std::string(http::obsolete_reason(res.result())) + "\n";
      res.prepare_payload();
      log.Debug("http request refused", {{"error", ec.message()}});
    } else {
      res = Handle(parser.get());
      keep_alive = parser.get().keep_alive();
    }
    res.keep_alive(keep_alive);
    stream.expires_after(options.write_timeout);
    auto [wec, written] = co_await http::async_write(stream, res, kTuple);
    if (wec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

http::response<http::string_body> HttpServer::Impl::Handle(
    const http::request<http::string_body>& req) {
  http::response<http::string_body> res(http::status::ok, req.version());
  res.set(http::field::server, "segsync");
  res.set(http::field::cache_control, "no-store");
  std::string_view target = req.target();
  target = target.substr(0, target.find('?'));
  HttpResponse out;
  bool head = req.method() == http::verb::head;
  auto request_route = request_routes.find(std::string(target));
  if (request_route != request_routes.end()) {
    if (head || req.method() == http::verb::get || req.method() == http::verb::post) {
      out = request_route->second.handler(HttpRequestView{req.method_string(), req.target(), req.body()});
    } else {
      out = {405, "text/plain; charset=utf-8", "method not allowed: use GET, HEAD or POST\n"};
      res.set(http::field::allow, "GET, HEAD, POST");
    }
  } else if (!head && req.method() != http::verb::get) {
    out = {405, "text/plain; charset=utf-8", "method not allowed: use GET or HEAD\n"};
    res.set(http::field::allow, "GET, HEAD");
  } else if (auto it = routes.find(std::string(target)); it != routes.end()) {
    out = it->second();
  } else {
    out = {404, "text/plain; charset=utf-8", "not found\n"};
  }
  res.result(static_cast<unsigned>(out.status));
  res.set(http::field::content_type, out.content_type);
  res.body() = std::move(out.body);
  res.prepare_payload();
  if (head) res.body().clear();  // Content-Length keeps the GET size
  return res;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(asio::io_context& io,
                                                      const std::string& listen,
                                                      HttpRoutes routes, HttpServerOptions options,
                                                      Logger& log, HttpRequestRoutes request_routes) {
  auto endpoint = ParseListen(listen);
  if (!endpoint.ok()) return endpoint.error();
  auto impl = std::make_shared<Impl>(io, std::move(routes), std::move(request_routes), options, log);
  boost::system::error_code ec;
  impl->acceptor.open(endpoint->protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(*endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{ErrorCode::kIo, "cannot listen on " + listen + ": " + ec.message()};
  asio::co_spawn(io, impl->Accept(), asio::detached);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() = default;

uint16_t HttpServer::port() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void HttpServer::Stop() {
  impl_->stopped = true;
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  for (auto* s : impl_->live) s->socket().close(ignored);
}

}  // namespace segsync
