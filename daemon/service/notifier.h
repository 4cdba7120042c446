// The systemd notification protocol (sd_notify) behind a small class, so the daemon says
// what it is doing in one place and tests can read the messages from a socket of their own
// (NOTIFY_SOCKET). Every call is a no-op when NOTIFY_SOCKET is unset (not under systemd).
// Thread-safe (sd_notify is).
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/log.h"

namespace segsync {

class SdNotifier {
 public:
  explicit SdNotifier(Logger& log) : log_(log) {}

  void Ready() { Send("READY=1"); }
  // Free text shown by `systemctl status`; newlines are replaced by spaces.
  void Status(std::string_view text);
  // RELOADING=1 with MONOTONIC_USEC (systemd >= 253 uses it; older ones ignore it).
  void Reloading();
  void Stopping() { Send("STOPPING=1"); }
  void Watchdog() { Send("WATCHDOG=1"); }

  // Half of WatchdogSec when systemd expects WATCHDOG=1 pings from this process, else nullopt.
  std::optional<std::chrono::microseconds> WatchdogPingInterval() const;

 private:
  void Send(const std::string& message);

  Logger& log_;
  std::atomic<bool> warned_{false};  // a failing socket is logged once, not on every update
};

}  // namespace segsync
