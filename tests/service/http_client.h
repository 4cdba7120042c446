// A tiny blocking HTTP/1.1 client on raw sockets for the service tests (127.0.0.1 only):
// tests need to misbehave on purpose (trickle bytes, send huge headers), which a real client
// library would not do.
#pragma once

#include <cstdint>
#include <string>

namespace segsync::testing {

class RawClient {
 public:
  explicit RawClient(uint16_t port);  // connects to 127.0.0.1:port; check connected()
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool Send(const std::string& bytes);
  // Reads until the peer closes or timeout_ms passes. Returns what arrived.
  std::string ReadUntilClose(int timeout_ms);
  // Reads one response with a Content-Length body (or none for HEAD if head is set).
  std::string ReadResponse(int timeout_ms, bool head = false);
  // True if the peer has closed the connection (waits up to timeout_ms).
  bool WaitClosed(int timeout_ms);

 private:
  int fd_ = -1;
  std::string pending_;
};

// One request on a fresh connection; returns the whole response text ("" on failure).
std::string HttpGet(uint16_t port, const std::string& path, const std::string& method = "GET");
int StatusOf(const std::string& response);  // 0 if unparsable
std::string BodyOf(const std::string& response);

}  // namespace segsync::testing
