// Access tokens issued by gettoken (wecom-api.md §2, §10.1). Each gettoken call issues a new
// random token valid for the configured TTL; older tokens stay valid until they expire.
// The admin API can expire them all (-> 42001) or revoke them (-> 40014, as if never issued).
// Not thread-safe: the caller locks.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

#include "api_error.h"
#include "ids.h"

namespace segsync::fake {

class TokenStore {
 public:
  TokenStore(IdSource& ids, std::int64_t ttl_seconds) : ids_(ids), ttl_(ttl_seconds) {}

  std::string Issue(std::int64_t now) {
    std::string token = ids_.Next("fk", 62);
    expiry_[token] = now + ttl_;
    order_.push_back(token);
    while (order_.size() > kMaxTokens) {  // a cap: a client in a gettoken loop cannot grow us
      expiry_.erase(order_.front());
      order_.pop_front();
    }
    return token;
  }

  // 0 when valid, else the errcode WeCom gives.
  int Check(const std::string& token, std::int64_t now) const {
    if (token.empty()) return kMissingToken;
    auto it = expiry_.find(token);
    if (it == expiry_.end()) return kInvalidToken;
    return now >= it->second ? kTokenExpired : 0;
  }

  void ExpireAll(std::int64_t now) {
    for (auto& [t, exp] : expiry_) exp = now;
  }
  void RevokeAll() {
    expiry_.clear();
    order_.clear();
  }
  void Revoke(const std::string& token) { expiry_.erase(token); }
  std::int64_t ttl() const { return ttl_; }

 private:
  static constexpr std::size_t kMaxTokens = 10000;
  IdSource& ids_;
  std::int64_t ttl_;
  std::unordered_map<std::string, std::int64_t> expiry_;
  std::deque<std::string> order_;
};

}  // namespace segsync::fake
