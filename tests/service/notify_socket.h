// A test stand-in for systemd's notification socket: an AF_UNIX datagram socket in a temp
// dir, exported as NOTIFY_SOCKET for as long as the object lives.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "test_support.h"

namespace segsync::testing {

class NotifySocket {
 public:
  NotifySocket() {
    path_ = dir_ / "notify";
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~NotifySocket() {
    unsetenv("NOTIFY_SOCKET");
    close(fd_);
  }
  bool bound() const { return bound_; }

  // Receives until some message satisfies `match` or timeout; true if one did.
  bool WaitFor(const std::function<bool(const std::string&)>& match, int timeout_ms = 5000) {
    for (const auto& m : messages_)
      if (match(m)) return true;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) return false;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      messages_.emplace_back(buf, static_cast<size_t>(n));
      if (match(messages_.back())) return true;
    }
  }
  bool WaitForExact(const std::string& text, int timeout_ms = 5000) {
    return WaitFor([&](const std::string& m) { return m == text; }, timeout_ms);
  }
  bool WaitForPrefix(const std::string& prefix, int timeout_ms = 5000) {
    return WaitFor([&](const std::string& m) { return m.rfind(prefix, 0) == 0; }, timeout_ms);
  }
  // Collects whatever arrives within timeout_ms.
  void Drain(int timeout_ms) {
    WaitFor([](const std::string&) { return false; }, timeout_ms);
  }
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  TempDir dir_;
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
  std::vector<std::string> messages_;
};

}  // namespace segsync::testing
