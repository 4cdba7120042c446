#include "service/notifier.h"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstring>

namespace segsync {

void SdNotifier::Status(std::string_view text) {
  std::string message = "STATUS=";
  for (char c : text) message += (c == '\n' || c == '\r') ? ' ' : c;
  Send(message);
}

void SdNotifier::Reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  unsigned long long usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
                            static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  Send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

std::optional<std::chrono::microseconds> SdNotifier::WatchdogPingInterval() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

void SdNotifier::Send(const std::string& message) {
  int r = sd_notify(0, message.c_str());
  if (r < 0 && !warned_.exchange(true)) {
    log_.Warning("sd_notify failed", {{"error", std::strerror(-r)}});
  }
}

}  // namespace segsync
