// Fault injection, rate and concurrency limits, and call statistics for the WeCom endpoints.
//
// Endpoint names are the path after /cgi-bin/externalcontact/ (or /cgi-bin/ for gettoken):
// "mark_tag", "batch/get_by_user", "groupchat/list", "gettoken", ...  "*" means any endpoint
// for faults and, for limits, all endpoints together. Not thread-safe: the App locks.
#pragma once

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace segsync::fake {

using Clock = std::chrono::steady_clock;

struct Fault {
  enum class Kind { kErrcode, kHttpStatus, kDelay, kDrop, kBody, kRevokeToken };
  Kind kind = Kind::kErrcode;
  int value = 0;     // errcode, HTTP status or delay in ms
  std::string body;  // kBody: the raw answer
};

class FaultPlan {
 public:
  // The next `count` calls of the endpoint get this fault, after those already queued.
  void Queue(const std::string& endpoint, Fault f, int count);
  // Random faults at `rate` for the endpoints (empty: all), drawn from a generator seeded
  // with `seed` so that the same call sequence gets the same faults.
  // kinds: "-1", "45033", any errcode, "http500", "http503", "slow", "drop", "revoke_token".
  void Seed(std::uint64_t seed, double rate, std::vector<std::string> kinds,
            std::set<std::string> endpoints, int slow_ms);
  // Throws std::invalid_argument for an unknown kind (checked by Seed).
  static Fault ParseKind(const std::string& kind, int slow_ms);
  // The fault for this call, if any: a queued one for the endpoint, then for "*", then random.
  std::optional<Fault> Next(const std::string& endpoint);
  void Clear();

 private:
  std::map<std::string, std::deque<Fault>> queued_;
  std::mt19937_64 rng_{0};
  double rate_ = 0;
  std::vector<Fault> kinds_;
  std::set<std::string> endpoints_;
};

class Limits {
 public:
  void SetPerMinute(const std::string& endpoint, int per_minute, int block_seconds);
  void SetMaxInFlight(const std::string& endpoint, int max_in_flight);
  // Called once per call with the in-flight counts that include this call.
  // Returns 0, 45033 (too many in flight) or 45009 (over the per-minute rate, or blocked).
  int Admit(const std::string& endpoint, int in_flight_endpoint, int in_flight_all, Clock::time_point now);
  void Clear();

 private:
  struct Rate {
    int per_minute = 0;
    int block_seconds = 60;
    Clock::time_point window_start{};
    int count = 0;
    Clock::time_point blocked_until{};
  };
  int AdmitRate(Rate& r, Clock::time_point now);
  std::map<std::string, Rate> rates_;
  std::map<std::string, int> max_in_flight_;
};

class Stats {
 public:
  void Call(const std::string& endpoint) {
    ++calls_[endpoint];
    ++total_;
  }
  void Error(const std::string& endpoint, const std::string& code) { ++errors_[endpoint][code]; }
  void Peak(const std::string& endpoint, int in_flight) {
    int& p = peak_[endpoint];
    if (in_flight > p) p = in_flight;
  }
  void FaultInjected() { ++faults_; }
  boost::json::object ToJson() const;
  void Reset() { *this = Stats{}; }

 private:
  std::map<std::string, std::int64_t> calls_;
  std::map<std::string, std::map<std::string, std::int64_t>> errors_;
  std::map<std::string, int> peak_;
  std::int64_t total_ = 0;
  std::int64_t faults_ = 0;
};

}  // namespace segsync::fake
