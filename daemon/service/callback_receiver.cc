#include "service/callback_receiver.h"

#include <charconv>

#include <fmt/format.h>

namespace segsync {

namespace {

using wecom::CallbackRefusal;

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || Hex(s[i + 1]) < 0 || Hex(s[i + 2]) < 0) return std::nullopt;
    out += static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2]));
    i += 2;
  }
  return out;
}

constexpr double kBuckets[] = {0.25, 0.5, 1, 2, 5, 10};

}  // namespace

CallbackMetrics::CallbackMetrics(MetricsRegistry& r)
    : events(r.AddCounter("segsync_callback_events_total", "WeCom callback events accepted, by type.", {"type"})),
      refused(r.AddCounter("segsync_callback_refused_total", "WeCom callback requests refused, by reason.",
                           {"reason"})),
      duplicates(r.AddCounter("segsync_callback_duplicates_total",
                              "WeCom callback events received again (WeCom's retries) and dropped.")),
      handled(r.AddCounter("segsync_callback_handled_total", "Callback events handled, by outcome.", {"outcome"})),
      latency_sum(r.AddCounter("segsync_callback_latency_seconds_total",
                               "Sum of the time from receiving a callback event to having handled it.")),
      within(r.AddCounter("segsync_callback_handled_within_seconds_total",
                          "Callback events handled within `le` seconds of being received (cumulative).",
                          {"le"})),
      last_latency(r.AddGauge("segsync_callback_last_latency_seconds",
                              "Time from receiving the last handled callback event to having handled it.")),
      queue_depth(r.AddGauge("segsync_callback_queue_depth", "Callback events waiting to be handled.")) {}

void CallbackMetrics::Observe(const std::string& outcome, double seconds) {
  handled.Inc({outcome});
  latency_sum.Inc({}, seconds);
  last_latency.Set(seconds);
  for (double b : kBuckets)
    if (seconds <= b) within.Inc({fmt::format("{}", b)});
  within.Inc({"+Inf"});
}

std::optional<std::string> QueryParam(std::string_view target, std::string_view name) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return std::nullopt;
}

CallbackReceiver::CallbackReceiver(wecom::CallbackCrypto crypto, CallbackReceiverOptions options, Logger& log,
                                   CallbackMetrics* metrics)
    : crypto_(std::move(crypto)), options_(std::move(options)), log_(log), metrics_(metrics) {}

CallbackDecision CallbackReceiver::Refuse(CallbackRefusal reason, const std::string& message, int status) {
  if (metrics_) metrics_->refused.Inc({wecom::CallbackRefusalName(reason)});
  log_.Warning("callback refused", {{"reason", wecom::CallbackRefusalName(reason)}, {"detail", message}});
  CallbackDecision d;
  d.refused = reason;
  d.response = {status, "text/plain; charset=utf-8", std::string(wecom::CallbackRefusalName(reason)) + "\n"};
  return d;
}

bool CallbackReceiver::RememberNonce(const std::string& nonce, int64_t now) {
  while (!nonce_order_.empty() && (nonce_order_.front().first < now - 2 * options_.max_skew_seconds ||
                                   nonce_order_.size() >= options_.max_nonces)) {
    nonces_.erase(nonce_order_.front().second);
    nonce_order_.pop_front();
  }
  if (!nonces_.insert(nonce).second) return false;
  nonce_order_.emplace_back(now, nonce);
  return true;
}

bool CallbackReceiver::RememberEvent(const std::string& key) {
  if (events_.count(key)) return false;
  if (event_order_.size() >= options_.max_events) {
    events_.erase(event_order_.front());
    event_order_.pop_front();
  }
  events_.insert(key);
  event_order_.push_back(key);
  return true;
}

CallbackDecision CallbackReceiver::Handle(const HttpRequestView& req, int64_t now) {
  auto signature = QueryParam(req.target, "msg_signature");
  auto timestamp = QueryParam(req.target, "timestamp");
  auto nonce = QueryParam(req.target, "nonce");
  if (!signature || !timestamp || !nonce || signature->empty() || nonce->empty() || nonce->size() > 128)
    return Refuse(CallbackRefusal::kBadRequest, "msg_signature, timestamp and nonce are required", 400);
  int64_t ts = 0;
  auto [end, ec] = std::from_chars(timestamp->data(), timestamp->data() + timestamp->size(), ts);
  if (ec != std::errc() || end != timestamp->data() + timestamp->size())
    return Refuse(CallbackRefusal::kBadRequest, "timestamp is not a number", 400);
  bool post = req.method == "POST";
  std::string encrypt;
  if (post) {
    auto envelope = wecom::ParseEnvelope(req.body);
    if (!envelope) return Refuse(envelope.error().reason, envelope.error().message, 400);
    encrypt = std::move(envelope->encrypt);
  } else {
    auto echo = QueryParam(req.target, "echostr");
    if (!echo || echo->empty()) return Refuse(CallbackRefusal::kBadRequest, "GET without echostr", 400);
    encrypt = std::move(*echo);
  }
  if (!crypto_.SignatureMatches(*signature, *timestamp, *nonce, encrypt))
    return Refuse(CallbackRefusal::kBadSignature, "msg_signature does not match (token?)", 403);
  if (ts < now - options_.max_skew_seconds || ts > now + options_.max_skew_seconds)
    return Refuse(CallbackRefusal::kStale, fmt::format("timestamp {} is {} s from now", ts, ts - now), 403);
  if (!RememberNonce(*nonce, now)) {
    CallbackDecision d = Refuse(CallbackRefusal::kReplay, "nonce seen before: a replayed request", 200);
    d.response.body = "success";  // authentic: stop WeCom retrying, act on nothing
    return d;
  }
  auto plain = crypto_.Decrypt(encrypt);
  if (!plain) return Refuse(plain.error().reason, plain.error().message, 400);
  CallbackDecision d;
  if (!post) {
    if (metrics_) metrics_->events.Inc({"verify_url"});
    log_.Notice("callback URL verified");
    d.response = {200, "text/plain; charset=utf-8", std::move(*plain)};
    return d;
  }
  auto event = wecom::ParseEvent(*plain);
  if (!event) return Refuse(event.error().reason, event.error().message, 400);
  d.response = {200, "text/plain; charset=utf-8", "success"};
  if (metrics_) metrics_->events.Inc({event->TypeLabel()});
  if (!RememberEvent(event->DedupKey())) {
    if (metrics_) metrics_->duplicates.Inc();
    log_.Info("callback event received again (a WeCom retry); already queued",
              {{"type", event->TypeLabel()}, {"external_userid", event->external_user_id}});
    d.duplicate = true;
    return d;
  }
  log_.Info("callback event received", {{"type", event->TypeLabel()}, {"userid", event->user_id},
                                        {"external_userid", event->external_user_id}});
  d.event = std::move(*event);
  return d;
}

}  // namespace segsync
