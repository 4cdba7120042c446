// The end-to-end tests' side of fake-wecom: start it as a process, talk to its admin API.
// Shared by tests/sync and tests/daemon_e2e; compiled once into the test support library so
// Beast stays out of the test files.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "test_support.h"

namespace segsync::testing {

// One HTTP/1.1 exchange on a fresh connection to 127.0.0.1:port.
struct HttpAnswer {
  int status = 0;
  std::string content_type;
  std::string body;
};
HttpAnswer Http(int port, const std::string& method, const std::string& target,
                const std::string& body = "");

// Parses a JSON object; fails the test (with the text) when it is not one.
boost::json::object ParseObject(const std::string& text);

// The fake WeCom server, started with extra flags (always --port 0).
class Fake {
 public:
  explicit Fake(const std::vector<std::string>& args = {});
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  ChildProcess& process() { return *process_; }
  // POST /admin/<path>; fails the test unless the answer has "ok":true.
  boost::json::object Admin(const std::string& path, const boost::json::object& body = {});
  boost::json::object State();  // GET /admin/state
  boost::json::object Stats();  // GET /admin/stats
  // calls[endpoint] of a stats answer (0 when absent).
  static int64_t Calls(const boost::json::object& stats, const std::string& endpoint);
  // Mutating tag calls in a stats answer: mark_tag + add/edit/del_corp_tag.
  static int64_t Mutations(const boost::json::object& stats);

 private:
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

}  // namespace segsync::testing
