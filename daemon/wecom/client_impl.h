// WecomClient internals shared by wecom_client.cc (token, retries, flow control) and
// endpoints.cc (the typed calls). Not for use outside daemon/wecom.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <random>

#include "net/http_client.h"
#include "wecom/codec.h"
#include "wecom/flow_control.h"
#include "wecom/wecom_client.h"

namespace segsync::wecom {

struct Endpoint {
  std::string name;  // stats and rate-limit key: "mark_tag", "groupchat/get"
  std::string path;  // "/cgi-bin/externalcontact/mark_tag"
  bool post = true;
};

struct WecomClient::Impl {
  Impl(boost::asio::io_context& io, Options opts, Logger& logger, std::unique_ptr<net::HttpClient> http_client);

  // One business call: token, flow control, retries, classification. `query` holds the GET
  // parameters (already escaped), `body` the POST body. Returns the response object when
  // errcode is 0.
  boost::asio::awaitable<ApiResult<boost::json::object>> Invoke(Endpoint ep, std::string query,
                                                                std::string body);
  boost::asio::awaitable<ApiResult<std::string>> Token();
  void InvalidateToken(const std::string& rejected);
  void Stop();

  // Builds an ApiError for one attempt's outcome, or returns the body object on errcode 0.
  ApiResult<boost::json::object> Interpret(const Endpoint& ep, Result<net::HttpResponse> res);
  ApiError Cancelled(const Endpoint& ep) const;
  Clock::duration Backoff(int failures);
  Clock::duration Jitter(Clock::duration base);
  EndpointStats& StatsFor(const std::string& name);  // callers hold stats_mu

  boost::asio::io_context& io;
  Options options;
  Logger& log;
  std::unique_ptr<net::HttpClient> http;
  Sleeper sleeper;
  ConcurrencyLimiter limiter;
  RateScheduler rate;
  std::mt19937_64 rng;
  std::atomic<bool> stop_requested{false};

  // token state (io thread only)
  std::string token;
  Clock::time_point token_refresh_at{};
  bool fetching = false;
  std::uint64_t fetch_generation = 0;
  std::optional<ApiError> last_fetch_error;
  std::deque<boost::asio::steady_timer*> token_waiters;

  mutable std::mutex stats_mu;
  ClientStats stats;
};

}  // namespace segsync::wecom
