#include "faults.h"

#include <stdexcept>

namespace segsync::fake {

namespace json = boost::json;

void FaultPlan::Queue(const std::string& endpoint, Fault f, int count) {
  auto& q = queued_[endpoint];
  for (int i = 0; i < count; ++i) q.push_back(f);
}

Fault FaultPlan::ParseKind(const std::string& kind, int slow_ms) {
  if (kind == "http500") return {Fault::Kind::kHttpStatus, 500, {}};
  if (kind == "http503") return {Fault::Kind::kHttpStatus, 503, {}};
  if (kind == "slow") return {Fault::Kind::kDelay, slow_ms, {}};
  if (kind == "drop") return {Fault::Kind::kDrop, 0, {}};
  if (kind == "revoke_token") return {Fault::Kind::kRevokeToken, 0, {}};
  std::size_t used = 0;
  int code = 0;
  try {
    code = std::stoi(kind, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != kind.size() || code == 0) throw std::invalid_argument("unknown fault kind " + kind);
  return {Fault::Kind::kErrcode, code, {}};
}

void FaultPlan::Seed(std::uint64_t seed, double rate, std::vector<std::string> kinds,
                     std::set<std::string> endpoints, int slow_ms) {
  std::vector<Fault> parsed;
  for (const auto& k : kinds) parsed.push_back(ParseKind(k, slow_ms));
  if (parsed.empty() && rate > 0) throw std::invalid_argument("kinds is empty");
  rng_.seed(seed);
  rate_ = rate;
  kinds_ = std::move(parsed);
  endpoints_ = std::move(endpoints);
}

std::optional<Fault> FaultPlan::Next(const std::string& endpoint) {
  for (const std::string& key : {endpoint, std::string("*")}) {
    auto it = queued_.find(key);
    if (it != queued_.end() && !it->second.empty()) {
      Fault f = it->second.front();
      it->second.pop_front();
      return f;
    }
  }
  if (rate_ <= 0 || kinds_.empty()) return std::nullopt;
  if (!endpoints_.empty() && !endpoints_.count(endpoint)) return std::nullopt;
  // Two draws per call whatever the outcome, so the sequence depends only on the call count.
  double p = std::uniform_real_distribution<double>(0, 1)(rng_);
  std::size_t pick = rng_() % kinds_.size();
  if (p >= rate_) return std::nullopt;
  return kinds_[pick];
}

void FaultPlan::Clear() {
  queued_.clear();
  rate_ = 0;
  kinds_.clear();
  endpoints_.clear();
}

void Limits::SetPerMinute(const std::string& endpoint, int per_minute, int block_seconds) {
  if (per_minute <= 0) {
    rates_.erase(endpoint);
    return;
  }
  Rate& r = rates_[endpoint];
  r = Rate{};
  r.per_minute = per_minute;
  r.block_seconds = block_seconds;
}

void Limits::SetMaxInFlight(const std::string& endpoint, int max_in_flight) {
  if (max_in_flight <= 0) max_in_flight_.erase(endpoint);
  else max_in_flight_[endpoint] = max_in_flight;
}

int Limits::AdmitRate(Rate& r, Clock::time_point now) {
  if (now < r.blocked_until) return 45009;
  if (r.count == 0 || now - r.window_start >= std::chrono::minutes(1)) {
    r.window_start = now;
    r.count = 0;
  }
  if (++r.count > r.per_minute) {
    // Over the limit: blocked for block_seconds, then a fresh window starts.
    r.blocked_until = now + std::chrono::seconds(r.block_seconds);
    r.count = 0;
    return 45009;
  }
  return 0;
}

int Limits::Admit(const std::string& endpoint, int in_flight_endpoint, int in_flight_all,
                  Clock::time_point now) {
  if (auto it = max_in_flight_.find(endpoint); it != max_in_flight_.end() && in_flight_endpoint > it->second)
    return 45033;
  if (auto it = max_in_flight_.find("*"); it != max_in_flight_.end() && in_flight_all > it->second)
    return 45033;
  int code = 0;
  if (auto it = rates_.find("*"); it != rates_.end()) code = AdmitRate(it->second, now);
  if (code) return code;
  if (auto it = rates_.find(endpoint); it != rates_.end()) code = AdmitRate(it->second, now);
  return code;
}

void Limits::Clear() {
  rates_.clear();
  max_in_flight_.clear();
}

json::object Stats::ToJson() const {
  json::object calls, errors, peak;
  for (const auto& [k, v] : calls_) calls[k] = v;
  for (const auto& [k, codes] : errors_) {
    json::object c;
    for (const auto& [code, n] : codes) c[code] = n;
    errors[k] = std::move(c);
  }
  for (const auto& [k, v] : peak_) peak[k] = v;
  return {{"calls", std::move(calls)}, {"errors", std::move(errors)}, {"peak_in_flight", std::move(peak)},
          {"total", total_}, {"faults_injected", faults_}};
}

}  // namespace segsync::fake
