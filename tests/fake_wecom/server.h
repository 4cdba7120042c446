// The HTTP/1.1 server: Boost.Beast over plain TCP or TLS, keep-alive, on 127.0.0.1 only.
// An io_context is run by `threads` threads; each connection is a coroutine on its own strand.
// Prints the bound port as the first line of stdout once it accepts connections, then blocks
// until SIGTERM or SIGINT. Beast and Asio stay inside server.cc.
#pragma once

#include <string>

#include "app.h"
#include "base/log.h"

namespace segsync::fake {

struct ServerConfig {
  int port = 0;  // 0: any free port
  int threads = 2;
  std::string tls_cert;  // PEM files; both empty: plain HTTP
  std::string tls_key;
};

// Returns 0 after a clean stop, 1 if it could not start (reason logged).
int Serve(const ServerConfig& config, App& app, Logger& log);

}  // namespace segsync::fake
