// A small HTTP/1.1 server for /metrics, /healthz and the dashboard page, on the daemon's
// io_context (Beast; the Asio/Beast headers stay in http_server.cc).
//
// Plain routes: GET and HEAD only (405 with Allow otherwise); unknown paths 404; the query
// string is ignored. Request routes (HttpRequestRoutes, e.g. the WeCom callback) see the
// whole request (method, target with its query, body) and also accept POST, with their own
// body cap: the body limit is chosen after the header is read, so a POST elsewhere still
// gets max_body_bytes. Defences, all in HttpServerOptions: a header size limit (431), a body size limit
// (413), a deadline for receiving each whole request (a slow-loris client that trickles
// bytes is dropped when it expires), a write deadline, a cap on concurrent connections
// (connections over the cap are closed at once) and on requests per connection.
//
// Executor affinity: Start, Stop and the handlers run on the io_context's thread; a handler
// must be quick (it blocks every other client while it runs).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/log.h"

namespace boost::asio {
class io_context;
}

namespace segsync {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct HttpServerOptions {
  std::chrono::milliseconds request_timeout{10000};  // to receive one whole request
  std::chrono::milliseconds write_timeout{10000};
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 1024;  // GET and HEAD need none
  size_t max_connections = 32;
  int max_requests_per_connection = 100;
};

// path -> handler, e.g. {"/metrics", [&] { return HttpResponse{200, kPromType, text}; }}.
using HttpRoutes = std::map<std::string, std::function<HttpResponse()>>;

// What a request route sees. Valid only during the handler call.
struct HttpRequestView {
  std::string_view method;  // "GET", "HEAD" or "POST"
  std::string_view target;  // origin form with the query: /wecom/callback?msg_signature=...
  std::string_view body;
};
struct HttpRequestRoute {
  std::function<HttpResponse(const HttpRequestView&)> handler;
  size_t max_body_bytes = 64 * 1024;  // for POST to this path (413 beyond)
};
// path -> route; GET, HEAD and POST reach the handler (HEAD drops the body it returns).
using HttpRequestRoutes = std::map<std::string, HttpRequestRoute>;

class HttpServer {
 public:
  // Binds and listens on `listen` ("127.0.0.1:9464", "[::1]:9464"; port 0 picks a free one).
  // Error kInvalidInput for a malformed address, kIo when it cannot bind.
  static Result<std::unique_ptr<HttpServer>> Start(boost::asio::io_context& io,
                                                   const std::string& listen, HttpRoutes routes,
                                                   HttpServerOptions options, Logger& log,
                                                   HttpRequestRoutes request_routes = {});
  ~HttpServer();

  uint16_t port() const;
  // Stops accepting and closes every open connection (on the io thread).
  void Stop();

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace segsync
