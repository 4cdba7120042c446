// The WeCom callback protocol on one HTTP request, without sockets (the listener is an
// HttpServer request route; see callback_service.h). Runs on the daemon's io thread.
//
//   GET  ?msg_signature&timestamp&nonce&echostr  URL verification: the signature over echostr,
//        then the decrypted echostr is the answer (text/plain).
//   POST ?msg_signature&timestamp&nonce + <xml><Encrypt>...</Encrypt></xml>: the signature over
//        Encrypt, the timestamp window, the nonce, the decryption (ReceiveId = corpid), the
//        event XML. Answered "success" at once; the event goes to the queue.
// Refused with a log line and segsync_callback_refused_total{reason}: a missing parameter
// (400), a bad signature (403), a timestamp outside +-max_skew (403), malformed XML or a
// broken ciphertext (400); a body over the cap is refused by the HTTP server (413).
// A nonce seen before (a replayed request) is answered "success" so that WeCom stops
// retrying, but counted as refused (replayed_nonce) and never reaches the sync. The same
// event again under a new nonce (WeCom re-signs its 3 retries) is acknowledged and dropped
// (segsync_callback_duplicates_total). The signature is checked before the nonce is
// remembered, so forged requests cannot fill the nonce cache; both caches are bounded.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_set>

#include "base/log.h"
#include "service/http_server.h"
#include "service/metrics.h"
#include "wecom/callback_crypto.h"
#include "wecom/callback_event.h"

namespace segsync {

// segsync_callback_* families (registered in the daemon's registry; thread-safe handles).
struct CallbackMetrics {
  explicit CallbackMetrics(MetricsRegistry& registry);
  Counter events;          // segsync_callback_events_total{type}: accepted, by event type
  Counter refused;         // segsync_callback_refused_total{reason}
  Counter duplicates;      // segsync_callback_duplicates_total: WeCom's retries of an event
  Counter handled;         // segsync_callback_handled_total{outcome}: tagged unchanged unmatched gone ...
  Counter latency_sum;     // segsync_callback_latency_seconds_total: event received -> handled
  Counter within;          // segsync_callback_handled_within_seconds_total{le}: cumulative buckets
  Gauge last_latency;      // segsync_callback_last_latency_seconds
  Gauge queue_depth;       // segsync_callback_queue_depth
  // Records one handled event (buckets 0.25 0.5 1 2 5 10 +Inf).
  void Observe(const std::string& outcome, double seconds);
};

struct CallbackReceiverOptions {
  std::string path = "/wecom/callback";
  int64_t max_skew_seconds = 300;  // timestamp window, either side of now
  size_t max_nonces = 10000;       // remembered nonces (oldest dropped first)
  size_t max_events = 10000;       // remembered event keys for WeCom's retries
};

struct CallbackDecision {
  HttpResponse response;
  std::optional<wecom::CallbackEvent> event;       // a new event to act on
  std::optional<wecom::CallbackRefusal> refused;   // why not
  bool duplicate = false;
};

class CallbackReceiver {
 public:
  CallbackReceiver(wecom::CallbackCrypto crypto, CallbackReceiverOptions options, Logger& log,
                   CallbackMetrics* metrics);
  // `now`: Unix seconds (tests pass a fixed clock).
  CallbackDecision Handle(const HttpRequestView& request, int64_t now);

 private:
  CallbackDecision Refuse(wecom::CallbackRefusal reason, const std::string& message, int status);
  bool RememberNonce(const std::string& nonce, int64_t now);  // false: seen before
  bool RememberEvent(const std::string& key);                 // false: seen before

  wecom::CallbackCrypto crypto_;
  CallbackReceiverOptions options_;
  Logger& log_;
  CallbackMetrics* metrics_;
  std::deque<std::pair<int64_t, std::string>> nonce_order_;
  std::unordered_set<std::string> nonces_;
  std::deque<std::string> event_order_;
  std::unordered_set<std::string> events_;
};

// Query parameters of a request target; '+' stays '+' (WeCom percent-encodes), %XX decoded.
std::optional<std::string> QueryParam(std::string_view target, std::string_view name);

}  // namespace segsync
