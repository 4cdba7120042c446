// Beast client: a pool of keep-alive connections on one io_context thread.
#include "net/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <cstdio>
#include <filesystem>
#include <optional>

namespace segsync::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

struct Connection {
  std::unique_ptr<beast::tcp_stream> tcp;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }
};

Error Err(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

// A kept-alive connection that the server closed while it sat in the pool fails like this
// before any byte of the answer arrives; the request is then sent once more on a new one.
bool IsStaleConnectionError(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == ssl::error::stream_truncated;
}

template <class Stream, class Parser>
awaitable<void> Exchange(Stream& stream, beast::tcp_stream& lowest, beast::flat_buffer& buffer,
                         http::request<http::string_body>& req, Parser& parser,
                         std::chrono::milliseconds timeout, error_code& ec) {
  lowest.expires_after(timeout);
  co_await http::async_write(stream, req, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return;
  lowest.expires_after(timeout);
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
  lowest.expires_never();
}

}  // namespace

struct HttpClient::Impl {
  asio::io_context& io;
  HttpOptions options;
  bool tls = true;
  std::string host;         // for DNS / SNI / certificate check, no brackets
  std::string host_header;  // as in the URL, with the port when it is not the default
  std::string port;
  std::string base_path;    // without a trailing '/'
  std::string origin;
  bool host_is_ip = false;
  std::optional<ssl::context> ssl_ctx;
  tcp::resolver resolver;
  tcp::resolver::results_type endpoints;
  std::vector<std::unique_ptr<Connection>> idle;
  HttpStats stats;

  Impl(asio::io_context& io_context, HttpOptions opts) : io(io_context), options(std::move(opts)), resolver(io_context) {}

  std::string Describe(std::string_view method, std::string_view target) const {
    std::string_view path = target.substr(0, target.find('?'));
    return std::string(method) + " " + origin + base_path + std::string(path);
  }

  Error TlsError(const Connection& c, const error_code& ec) {
    long verify = SSL_get_verify_result(const_cast<Connection&>(c).tls->native_handle());
    std::string trust = options.ca_file.empty()
                            ? "the system CA store; for a private CA set wecom.ca_file"
                            : "CA file " + options.ca_file;
    if (verify != X509_V_OK) {
      return Err(ErrorCode::kFatal, "TLS: the certificate of " + origin + " was refused: " +
                                        X509_verify_cert_error_string(verify) + " (trust: " + trust + ")");
    }
    if (ec.category() == asio::error::get_ssl_category() &&
        ERR_GET_REASON(ec.value()) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
      return Err(ErrorCode::kFatal, "TLS: the certificate of " + origin + " was refused: " + ec.message() +
                                        " (trust: " + trust + ")");
    }
    return Err(ErrorCode::kTransient, "TLS handshake with " + origin + " failed: " + ec.message());
  }

  awaitable<Result<std::unique_ptr<Connection>>> Connect() {
    error_code ec;
    if (endpoints.empty()) {
      endpoints = co_await resolver.async_resolve(host, port, asio::redirect_error(use_awaitable, ec));
      if (ec) co_return Err(ErrorCode::kTransient, "cannot resolve " + host + ": " + ec.message());
    }
    auto conn = std::make_unique<Connection>();
    if (tls) {
      conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io, *ssl_ctx);
    } else {
      conn->tcp = std::make_unique<beast::tcp_stream>(io);
    }
    conn->lowest().expires_after(options.timeout);
    co_await conn->lowest().async_connect(endpoints, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      endpoints = {};  // resolve again next time: the address may have moved
      co_return Err(ErrorCode::kTransient, "cannot connect to " + origin + ": " +
                                               (ec == beast::error::timeout ? "timed out" : ec.message()));
    }
    if (tls) {
      SSL* native = conn->tls->native_handle();
      // SNI only for names: RFC 6066 forbids IP literals in server_name.
      if (!host_is_ip) SSL_set_tlsext_host_name(native, host.c_str());
      X509_VERIFY_PARAM* param = SSL_get0_param(native);
      if (host_is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
      } else {
        X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
      }
      conn->tls->set_verify_mode(ssl::verify_peer);
      conn->tls->set_verify_callback(ssl::host_name_verification(host));
      conn->lowest().expires_after(options.timeout);
      co_await conn->tls->async_handshake(ssl::stream_base::client, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (ec == beast::error::timeout) {
          co_return Err(ErrorCode::kTransient, "TLS handshake with " + origin + " timed out");
        }
        co_return TlsError(*conn, ec);
      }
    }
    conn->lowest().expires_never();
    ++stats.connections_opened;
    co_return conn;
  }

  http::request<http::string_body> MakeRequest(http::verb verb, const std::string& target, std::string body,
                                              const std::vector<HttpHeader>& headers) const {
    http::request<http::string_body> req{verb, base_path + target, 11};
    req.set(http::field::host, host_header);
    req.set(http::field::user_agent, options.user_agent);
    req.keep_alive(true);
    bool has_type = false;
    for (const auto& h : headers) {
      req.set(h.name, h.value);
      if (beast::iequals(h.name, "content-type")) has_type = true;
    }
    if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json; charset=utf-8");
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }

  // Sends `req` on a pooled (use_pool) or new connection and reads the answer with a parser
  // from make_parser. A connection that may stay alive goes back to the pool.
  template <class MakeParser, class Body>
  awaitable<Result<http::response<Body>>> Send(http::request<http::string_body>& req, MakeParser make_parser,
                                                const std::string& what, bool use_pool,
                                                std::uint64_t cap) {
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Connection> conn;
      bool reused = false;
      if (use_pool && !idle.empty()) {
        conn = std::move(idle.back());
        idle.pop_back();
        reused = true;
        ++stats.connections_reused;
      } else {
        auto fresh = co_await Connect();
        if (!fresh) co_return Error{fresh.error().code, what + ": " + fresh.error().message};
        conn = std::move(*fresh);
      }
      ++stats.requests;
      auto parser = make_parser();
      if (!parser) co_return parser.error();
      auto& p = **parser;
      error_code ec;
      if (conn->tls) {
        co_await Exchange(*conn->tls, conn->lowest(), conn->buffer, req, p, options.timeout, ec);
      } else {
        co_await Exchange(*conn->tcp, conn->lowest(), conn->buffer, req, p, options.timeout, ec);
      }
      if (ec) {
        if (reused && attempt == 0 && !p.got_some() && IsStaleConnectionError(ec)) continue;
        if (ec == http::error::body_limit) {
          co_return Err(ErrorCode::kRemote, what + ": response body above the cap of " +
                                                std::to_string(cap) + " bytes");
        }
        if (ec == beast::error::timeout) {
          co_return Err(ErrorCode::kTransient,
                        what + ": timed out after " + std::to_string(options.timeout.count()) + " ms");
        }
        co_return Err(ErrorCode::kTransient, what + ": connection failed: " + ec.message());
      }
      http::response<Body> res = p.release();
      if (use_pool && res.keep_alive() && idle.size() < options.max_idle_connections) {
        conn->buffer.clear();
        idle.push_back(std::move(conn));
      }
      co_return res;
    }
  }
};

Result<std::unique_ptr<HttpClient>> HttpClient::Create(asio::io_context& io, HttpOptions options) {
  auto impl = std::make_unique<Impl>(io, std::move(options));
  auto parsed = boost::urls::parse_uri(impl->options.base_url);
  if (!parsed) {
    return Err(ErrorCode::kInvalidInput, "invalid base URL '" + impl->options.base_url + "': " +
                                             parsed.error().message());
  }
  auto url = *parsed;
  if (url.scheme() == "https") {
    impl->tls = true;
  } else if (url.scheme() == "http") {
    impl->tls = false;
  } else {
    return Err(ErrorCode::kInvalidInput, "base URL '" + impl->options.base_url + "' must start with https:// (or http://)");
  }
  if (url.has_query() || url.has_userinfo()) {
    return Err(ErrorCode::kInvalidInput, "base URL must not contain a query or user info");
  }
  impl->host = url.host_address();
  if (impl->host.empty()) return Err(ErrorCode::kInvalidInput, "base URL '" + impl->options.base_url + "' has no host");
  impl->port = url.has_port() ? std::string(url.port()) : (impl->tls ? "443" : "80");
  impl->host_header = std::string(url.encoded_host_and_port());
  impl->base_path = std::string(url.encoded_path());
  while (!impl->base_path.empty() && impl->base_path.back() == '/') impl->base_path.pop_back();
  impl->origin = std::string(url.scheme()) + "://" + impl->host_header;
  error_code ec;
  asio::ip::make_address(impl->host, ec);
  impl->host_is_ip = !ec;
  if (impl->tls) {
    impl->ssl_ctx.emplace(ssl::context::tls_client);
    impl->ssl_ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                               ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    impl->ssl_ctx->set_verify_mode(ssl::verify_peer);
    if (impl->options.ca_file.empty()) {
      impl->ssl_ctx->set_default_verify_paths(ec);
    } else {
      impl->ssl_ctx->load_verify_file(impl->options.ca_file, ec);
    }
    if (ec) {
      return Err(ErrorCode::kInvalidInput,
                 (impl->options.ca_file.empty() ? std::string("cannot load the system CA store")
                                                : "cannot load CA file '" + impl->options.ca_file + "'") +
                     ": " + ec.message());
    }
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

const std::string& HttpClient::origin() const { return impl_->origin; }
HttpStats HttpClient::stats() const { return impl_->stats; }
void HttpClient::CloseIdle() { impl_->idle.clear(); }

awaitable<Result<HttpResponse>> HttpClient::Request(std::string method, std::string target, std::string body,
                                                    std::vector<HttpHeader> headers) {
  std::string what = impl_->Describe(method, target);
  http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) co_return Err(ErrorCode::kInvalidInput, what + ": unknown method");
  auto req = impl_->MakeRequest(verb, target, std::move(body), headers);
  std::size_t cap = impl_->options.max_body_bytes;
  auto make_parser = [cap]() -> Result<std::unique_ptr<http::response_parser<http::string_body>>> {
    auto p = std::make_unique<http::response_parser<http::string_body>>();
    p->body_limit(cap);
    return p;
  };
  auto res = co_await impl_->Send<decltype(make_parser), http::string_body>(req, make_parser, what, true, cap);
  if (!res) co_return res.error();
  co_return HttpResponse{static_cast<int>(res->result_int()), std::move(res->body())};
}

awaitable<Result<std::uint64_t>> HttpClient::Download(std::string target, std::string path, std::string bearer_token,
                                                      std::uint64_t max_bytes) {
  std::string what = impl_->Describe("GET", target);
  std::vector<HttpHeader> headers;
  if (!bearer_token.empty()) headers.push_back({"Authorization", "Bearer " + bearer_token});
  auto req = impl_->MakeRequest(http::verb::get, target, "", headers);
  std::string part = path + ".part";
  auto make_parser = [&]() -> Result<std::unique_ptr<http::response_parser<http::file_body>>> {
    auto p = std::make_unique<http::response_parser<http::file_body>>();
    p->body_limit(max_bytes);
    error_code ec;
    p->get().body().open(part.c_str(), beast::file_mode::write, ec);
    if (ec) return Err(ErrorCode::kIo, "cannot write '" + part + "': " + ec.message());
    return p;
  };
  auto res = co_await impl_->Send<decltype(make_parser), http::file_body>(req, make_parser, what, false, max_bytes);
  std::error_code fs_ec;
  if (!res) {
    std::filesystem::remove(part, fs_ec);
    if (res.error().message.find("above the cap") != std::string::npos) {
      co_return Err(ErrorCode::kRemote, what + ": the export is larger than the cap of " +
                                            std::to_string(max_bytes) + " bytes");
    }
    co_return res.error();
  }
  res->body().close();
  int status = static_cast<int>(res->result_int());
  if (status < 200 || status > 299) {
    std::filesystem::remove(part, fs_ec);
    co_return Err(status >= 500 ? ErrorCode::kTransient : ErrorCode::kRemote,
                  what + ": HTTP " + std::to_string(status));
  }
  std::uint64_t size = std::filesystem::file_size(part, fs_ec);
  std::filesystem::rename(part, path, fs_ec);
  if (fs_ec) co_return Err(ErrorCode::kIo, "cannot rename '" + part + "' to '" + path + "': " + fs_ec.message());
  co_return size;
}

Result<std::uint64_t> FetchToFile(const std::string& url, const std::string& path, const FetchOptions& options) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return Err(ErrorCode::kInvalidInput, "invalid URL: " + parsed.error().message());
  std::string origin = std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_host_and_port());
  std::string target = std::string(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());
  asio::io_context io;
  HttpOptions http_options;
  http_options.base_url = origin;
  http_options.ca_file = options.ca_file;
  http_options.timeout = options.timeout;
  auto client = HttpClient::Create(io, http_options);
  if (!client) return client.error();
  std::optional<Result<std::uint64_t>> out;
  asio::co_spawn(
      io, [&]() -> awaitable<void> { out = co_await (*client)->Download(target, path, options.bearer_token, options.max_bytes); },
      [&](std::exception_ptr e) {
        if (e && !out) out = Err(ErrorCode::kIo, "download of " + origin + " failed unexpectedly");
      });
  io.run();
  if (!out) return Err(ErrorCode::kIo, "download of " + origin + " did not finish");
  return std::move(*out);
}

}  // namespace segsync::net
