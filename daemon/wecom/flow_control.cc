#include "wecom/flow_control.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace segsync::wecom {

namespace asio = boost::asio;
using asio::awaitable;

awaitable<bool> Sleeper::SleepUntil(Clock::time_point when) {
  if (stopped_) co_return false;
  if (when <= Clock::now()) co_return true;
  asio::steady_timer timer(io_);
  timer.expires_at(when);
  active_.insert(&timer);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  active_.erase(&timer);
  co_return !stopped_;
}

void Sleeper::Stop() {
  stopped_ = true;
  for (auto* t : active_) t->cancel();
}

awaitable<bool> ConcurrencyLimiter::Acquire() {
  if (stopped_) co_return false;
  if (waiters_.empty() && in_flight_ < limit_) {
    Take();
    co_return true;
  }
  auto w = std::make_shared<Waiter>(io_);
  w->timer.expires_at(Clock::time_point::max());
  waiters_.push_back(w);
  boost::system::error_code ec;
  co_await w->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return w->granted;  // Pump() counted it in in_flight_ already
}

void ConcurrencyLimiter::Release() {
  if (in_flight_ > 0) --in_flight_;
  Pump();
}

void ConcurrencyLimiter::Pump() {
  while (!stopped_ && !waiters_.empty() && in_flight_ < limit_) {
    auto w = std::move(waiters_.front());
    waiters_.pop_front();
    w->granted = true;
    Take();
    w->timer.cancel();
  }
}

void ConcurrencyLimiter::OnOverload() {
  int halved = limit_ / 2;
  limit_ = halved < 1 ? 1 : halved;
  last_change_ = Clock::now();
}

void ConcurrencyLimiter::OnSuccess() {
  if (limit_ >= max_) return;
  auto now = Clock::now();
  if (now - last_change_ < recovery_) return;
  ++limit_;
  last_change_ = now;
  Pump();
}

void ConcurrencyLimiter::Stop() {
  stopped_ = true;
  for (auto& w : waiters_) w->timer.cancel();  // granted stays false
  waiters_.clear();
}

RateScheduler::Bucket& RateScheduler::Get(const std::string& endpoint) {
  auto it = buckets_.find(endpoint);
  if (it != buckets_.end()) return it->second;
  auto rate_it = per_endpoint_.find(endpoint);
  int per_minute = rate_it != per_endpoint_.end() ? rate_it->second : default_per_minute_;
  Bucket b;
  // 1% wider than 60 s / rate: WeCom counts arrivals, and network jitter must not squeeze
  // rate+1 calls into a minute (601 starts span 60.6 s instead of exactly 60 s).
  if (per_minute > 0) {
    b.interval = std::chrono::duration_cast<Clock::duration>(std::chrono::minutes(1)) * 101 / (100 * per_minute);
  }
  return buckets_.emplace(endpoint, b).first->second;
}

awaitable<bool> RateScheduler::WaitUnblocked(const std::string& endpoint) {
  for (;;) {
    Clock::time_point until = Get(endpoint).blocked_until;
    if (until <= Clock::now()) co_return !sleeper_.stopped();
    if (!co_await sleeper_.SleepUntil(until)) co_return false;
  }
}

awaitable<bool> RateScheduler::Acquire(const std::string& endpoint) {
  for (;;) {
    Bucket& b = Get(endpoint);
    auto now = Clock::now();
    auto slot = std::max({now, b.next_slot, b.blocked_until});
    if (b.interval.count() > 0) b.next_slot = slot + b.interval;
    if (slot <= now) co_return !sleeper_.stopped();
    if (!co_await sleeper_.SleepUntil(slot)) co_return false;
    // A 45009 that arrived while this call slept moves its start past the block.
    if (Get(endpoint).blocked_until <= Clock::now()) co_return true;
  }
}

void RateScheduler::Block(const std::string& endpoint, Clock::duration d) {
  Bucket& b = Get(endpoint);
  auto until = Clock::now() + d;
  if (until > b.blocked_until) b.blocked_until = until;
}

}  // namespace segsync::wecom
