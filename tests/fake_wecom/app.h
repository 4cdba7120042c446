// The fake WeCom application: turns one HTTP request into one HTTP answer. Knows nothing of
// sockets; server.cc feeds it. Every call takes one mutex, so handlers see a consistent world.
//
// Order of checks for a /cgi-bin call: count the call and its in-flight slot, concurrency
// limit (45033), rate limit (45009), injected fault, access_token (41001/40014/42001), body
// (47001), then the handler. Faults "delay" and "drop" are carried out by the server: the call
// is processed, then the answer is delayed or the connection closed without one.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "base/log.h"
#include "callback_sender.h"
#include "faults.h"
#include "tokens.h"
#include "world.h"

namespace segsync::fake {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin form: /cgi-bin/...?a=b
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  int delay_ms = 0;            // wait this long before answering
  bool drop = false;           // close the connection instead of answering
  std::shared_ptr<void> hold;  // keeps the call "in flight" until the answer is written
};

struct AppConfig {
  std::string corpid = "wwfakecorp0000001";
  std::string secret = "fake-secret-do-not-use";
  std::int64_t token_ttl = 7200;
  WorldConfig world;
};

class App {
 public:
  App(const AppConfig& config, Logger& log);
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  HttpResponse Handle(const HttpRequest& request);  // thread-safe

  // For setup before serving (loading --state, --generate): no lock taken.
  World& world() { return world_; }
  boost::json::object StateSnapshot();  // thread-safe

 private:
  friend struct InFlight;
  HttpResponse HandleApi(const std::string& endpoint, const std::map<std::string, std::string>& query,
                         const std::string& body);
  HttpResponse ErrorAnswer(const std::string& endpoint, int errcode, const std::string& detail);
  boost::json::object GetToken(const std::map<std::string, std::string>& query);
  void Leave(const std::string& endpoint);
  // admin.cc: one admin call under the lock; throws std::runtime_error for a bad request.
  boost::json::object Admin(const std::string& name, const boost::json::object& body);
  // A change_external_contact/add_external_contact callback (when callbacks are configured).
  void SendAdded(const std::string& userid, const std::string& external_userid, const std::string& state);

  AppConfig config_;
  Logger& log_;
  std::mutex mu_;
  World world_;
  TokenStore tokens_;
  FaultPlan faults_;
  Limits limits_;
  Stats stats_;
  Routes routes_;
  std::map<std::string, int> in_flight_;  // "*" holds the total
  std::uint64_t calls_ = 0;               // for the errmsg hint
  CallbackSender callbacks_;              // event callbacks to the app (its own thread)
};

}  // namespace segsync::fake
