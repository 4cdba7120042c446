// Flow control for WecomClient (internal to daemon/wecom): interruptible sleeps, a concurrency
// limiter that halves on 45033 and recovers slowly, and per-endpoint call spacing with 45009
// blocks. Single-threaded: everything runs on the client's one io_context thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

namespace segsync::wecom {

using Clock = std::chrono::steady_clock;

// Sleeps that Stop() cuts short. Sleep returns false when stopped.
class Sleeper {
 public:
  explicit Sleeper(boost::asio::io_context& io) : io_(io) {}
  boost::asio::awaitable<bool> SleepUntil(Clock::time_point when);
  boost::asio::awaitable<bool> SleepFor(Clock::duration d) { return SleepUntil(Clock::now() + d); }
  void Stop();
  bool stopped() const { return stopped_; }

 private:
  boost::asio::io_context& io_;
  std::set<boost::asio::steady_timer*> active_;
  bool stopped_ = false;
};

// A FIFO semaphore whose size can shrink and grow. Acquire returns false when stopped.
class ConcurrencyLimiter {
 public:
  ConcurrencyLimiter(boost::asio::io_context& io, int max, Clock::duration recovery)
      : io_(io), max_(max < 1 ? 1 : max), limit_(max_), recovery_(recovery) {}
  boost::asio::awaitable<bool> Acquire();
  void Release();
  void OnOverload();  // 45033: halve (at least 1)
  void OnSuccess();   // +1 when `recovery` passed since the last change
  void Stop();
  int in_flight() const { return in_flight_; }
  int peak() const { return peak_; }
  int limit() const { return limit_; }

 private:
  struct Waiter {
    explicit Waiter(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    bool granted = false;
  };
  void Pump();
  void Take() {
    ++in_flight_;
    if (in_flight_ > peak_) peak_ = in_flight_;
  }

  boost::asio::io_context& io_;
  int max_;
  int limit_;
  Clock::duration recovery_;
  Clock::time_point last_change_{};
  int in_flight_ = 0;
  int peak_ = 0;
  bool stopped_ = false;
  std::deque<std::shared_ptr<Waiter>> waiters_;
};

// Per-endpoint spacing: call starts are 1.01 * 60 s / rate apart (no burst, so a window of
// any length never holds more than its share, with 1% to spare for network jitter), and a
// 45009 block pauses the endpoint.
class RateScheduler {
 public:
  RateScheduler(Sleeper& sleeper, int default_per_minute, std::map<std::string, int> per_endpoint)
      : sleeper_(sleeper), default_per_minute_(default_per_minute), per_endpoint_(std::move(per_endpoint)) {}
  // Waits until the endpoint is not blocked. False when stopped.
  boost::asio::awaitable<bool> WaitUnblocked(const std::string& endpoint);
  // Reserves the endpoint's next start slot and waits for it. False when stopped.
  boost::asio::awaitable<bool> Acquire(const std::string& endpoint);
  void Block(const std::string& endpoint, Clock::duration d);

 private:
  struct Bucket {
    Clock::duration interval{};
    Clock::time_point next_slot{};
    Clock::time_point blocked_until{};
  };
  Bucket& Get(const std::string& endpoint);

  Sleeper& sleeper_;
  int default_per_minute_;
  std::map<std::string, int> per_endpoint_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace segsync::wecom
