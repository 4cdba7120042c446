// The one HTTP(S) client of segsync: Boost.Beast over a pool of keep-alive connections.
//
// Contract:
// - TLS is always verified (peer certificate chain + host name, SNI sent for DNS names). There
//   is no switch to turn it off. Trust comes from the system CA store, or from `ca_file` alone
//   when it is set (a private CA, or a test CA). Plain http:// is used only when the base URL
//   says so.
// - Every step (resolve+connect, TLS handshake, write, read) has the `timeout` deadline.
// - A response body above `max_body_bytes` is an error, never a truncated body.
// - Error messages name the method, scheme, host, port and path, never the query string (it may
//   hold a secret or a token).
// - Executor affinity: all coroutines must run on the io_context given to the constructor, and
//   that io_context must be run by one thread only (no strands inside).
//
// Beast and Asio stay in http_client.cc: this header only needs asio::awaitable.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace boost::asio {
class io_context;
}

namespace segsync::net {

struct HttpOptions {
  std::string base_url;                        // "https://host[:port]" or "http://host[:port]"
  std::string ca_file;                         // PEM file; empty: the system CA store
  std::chrono::milliseconds timeout{10000};    // per step: connect, handshake, write, read
  std::size_t max_body_bytes = 16 << 20;       // response body cap
  std::size_t max_idle_connections = 16;       // kept-alive connections in the pool
  std::string user_agent = "segsync/" SEGSYNC_VERSION;
};

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

struct HttpStats {
  std::uint64_t requests = 0;
  std::uint64_t connections_opened = 0;  // new TCP (+TLS) connections
  std::uint64_t connections_reused = 0;  // requests sent on a kept-alive connection
};

class HttpClient {
 public:
  // Validates the base URL and loads the CA file. Errors: kInvalidInput (bad URL, unreadable
  // CA file).
  static Result<std::unique_ptr<HttpClient>> Create(boost::asio::io_context& io, HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request. `target` is the path with its query ("/cgi-bin/x?a=b"). Errors:
  // kTransient for network failures, timeouts and connection drops; kFatal for a TLS
  // verification failure (a configuration problem: retrying will not help); kRemote for a body
  // above the cap. An HTTP status other than 2xx is NOT an error here: the caller decides.
  boost::asio::awaitable<Result<HttpResponse>> Request(std::string method, std::string target,
                                                       std::string body,
                                                       std::vector<HttpHeader> headers = {});

  // Streams a GET response body into `path` (written to path + ".part", renamed when complete).
  // Sends "Authorization: Bearer <token>" when bearer_token is not empty. Returns the byte count.
  // A non-2xx status is an error (kRemote, kTransient for 5xx); more than max_bytes is kRemote.
  boost::asio::awaitable<Result<std::uint64_t>> Download(std::string target, std::string path,
                                                         std::string bearer_token,
                                                         std::uint64_t max_bytes);

  // "https://host:port" as given (for messages).
  const std::string& origin() const;
  HttpStats stats() const;
  // Closes the kept-alive connections (e.g. before the io_context stops).
  void CloseIdle();

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct FetchOptions {
  std::string bearer_token;                   // sent as Authorization: Bearer
  std::string ca_file;                        // empty: the system CA store
  std::chrono::milliseconds timeout{60000};   // per step
  std::uint64_t max_bytes = 4ull << 30;       // file size cap
};

// Synchronous convenience for the CRM export: fetches an absolute http(s):// URL into `path`
// on a private io_context. The URL's query is never put into an error message.
Result<std::uint64_t> FetchToFile(const std::string& url, const std::string& path,
                                  const FetchOptions& options);

}  // namespace segsync::net
