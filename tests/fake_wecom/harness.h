// Test harness for fake-wecom: starts the real binary (FAKE_WECOM_BIN) as a child process,
// reads its port from the first stdout line, and talks to it with a small synchronous Beast
// client (implemented in harness_test.cc, so Beast stays out of the test files).
#pragma once

#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "test_support.h"

namespace segsync::fake::testing {

namespace json = boost::json;

struct HttpResult {
  int status = 0;       // 0 when the connection closed without an answer
  std::string body;
  bool dropped = false;  // closed before a full answer arrived
  json::object Json() const;  // the body as an object (fails the test if it is not one)
};

// One keep-alive connection (plain or TLS without certificate checks).
class Client {
 public:
  Client(int port, bool tls = false);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  HttpResult Send(const std::string& method, const std::string& target, const std::string& body = "",
                  const std::string& content_type = "application/json; charset=utf-8");
  bool is_open() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class FakeServer {
 public:
  explicit FakeServer(const std::vector<std::string>& args = {});
  int port() const { return port_; }
  segsync::testing::ChildProcess& process() { return *process_; }

  // A fresh connection per request.
  HttpResult Request(const std::string& method, const std::string& target, const std::string& body = "");
  // gettoken once, then cached.
  std::string Token();
  // POST /cgi-bin/externalcontact/<endpoint>?access_token=... with the body; the answer's JSON.
  json::object Api(const std::string& endpoint, const json::object& body = {});
  // GET /cgi-bin/externalcontact/<endpoint>?<query>&access_token=...
  json::object ApiGet(const std::string& endpoint, const std::string& query);
  // POST /admin/<path> (GET for state and stats); fails the test unless "ok" is true.
  json::object Admin(const std::string& path, const json::object& body = {});
  HttpResult AdminRaw(const std::string& path, const json::object& body);

 private:
  std::unique_ptr<segsync::testing::ChildProcess> process_;
  int port_ = 0;
  std::string token_;
};

// errcode of an answer (0 when absent).
std::int64_t Errcode(const json::object& answer);

// A self-signed certificate and key for CN=127.0.0.1, written as PEM files.
void WriteSelfSignedCert(const std::string& cert_path, const std::string& key_path);

}  // namespace segsync::fake::testing
