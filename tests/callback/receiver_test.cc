// The callback receiver without sockets: URL verification, signature, timestamp window,
// nonce replay, WeCom's re-signed retries, bounds of both caches, and the metrics it feeds.
#include "service/callback_receiver.h"

#include <doctest/doctest.h>

#include <cstdio>

#include <fmt/format.h>

namespace segsync {
namespace {

constexpr const char* kKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
constexpr const char* kCorp = "wwfakecorp0000001";
constexpr int64_t kNow = 1764800000;

struct Rig {
  explicit Rig(CallbackReceiverOptions o = {})
      : log(std::tmpfile(), LogLevel::kDebug), metrics(registry),
        receiver(*wecom::CallbackCrypto::Create("tok", kKey, kCorp), o, log, &metrics) {}
  Logger log;
  MetricsRegistry registry;
  CallbackMetrics metrics;
  CallbackReceiver receiver;
  wecom::CallbackCrypto crypto = *wecom::CallbackCrypto::Create("tok", kKey, kCorp);

  std::string Event(const std::string& change, const std::string& ext, int64_t create_time = kNow) {
    return fmt::format("<xml><ToUserName>{}</ToUserName><FromUserName>sys</FromUserName><CreateTime>{}</CreateTime>"
                       "<MsgType>event</MsgType><Event>change_external_contact</Event><ChangeType>{}</ChangeType>"
                       "<UserID>staff001</UserID><ExternalUserID>{}</ExternalUserID><State>C1</State></xml>",
                       kCorp, create_time, change, ext);
  }
  // A signed POST of `xml`; returns (target, body).
  std::pair<std::string, std::string> Post(const std::string& xml, const std::string& nonce, int64_t ts = kNow,
                                           std::string encrypt = {}) {
    if (encrypt.empty()) encrypt = crypto.Encrypt(xml, "0123456789abcdef");
    std::string t = std::to_string(ts);
    return {fmt::format("/wecom/callback?msg_signature={}&timestamp={}&nonce={}", crypto.Signature(t, nonce, encrypt),
                        t, nonce),
            fmt::format("<xml><ToUserName><![CDATA[{}]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt></xml>", kCorp,
                        encrypt)};
  }
  CallbackDecision Send(const std::pair<std::string, std::string>& req, int64_t now = kNow) {
    return receiver.Handle(HttpRequestView{"POST", req.first, req.second}, now);
  }
  double Refused(const char* reason) { return metrics.refused.Value({reason}); }
};

}  // namespace

TEST_CASE("callback receiver - a signed event is accepted once - its retry and its replay are not acted on") {
  Rig rig;
  auto req = rig.Post(rig.Event("add_external_contact", "wm1"), "n1");
  CallbackDecision d = rig.Send(req);
  REQUIRE(d.event.has_value());
  CHECK(d.response.status == 200);
  CHECK(d.response.body == "success");
  CHECK(d.event->kind == wecom::CallbackEventKind::kAddExternalContact);
  CHECK(d.event->external_user_id == "wm1");
  CHECK(rig.metrics.events.Value({"add_external_contact"}) == 1);

  // The same bytes again: a replay. Answered so WeCom stops, counted, never an event.
  CallbackDecision replay = rig.Send(req);
  CHECK_FALSE(replay.event.has_value());
  REQUIRE(replay.refused.has_value());
  CHECK(*replay.refused == wecom::CallbackRefusal::kReplay);
  CHECK(replay.response.status == 200);
  CHECK(rig.Refused("replayed_nonce") == 1);

  // WeCom's retry: the same event re-signed under a new nonce: a duplicate, dropped.
  CallbackDecision retry = rig.Send(rig.Post(rig.Event("add_external_contact", "wm1"), "n2"));
  CHECK_FALSE(retry.event.has_value());
  CHECK(retry.duplicate);
  CHECK(retry.response.body == "success");
  CHECK(rig.metrics.duplicates.Value() == 1);

  // A different event (a later CreateTime) under a new nonce is new.
  CHECK(rig.Send(rig.Post(rig.Event("add_external_contact", "wm1", kNow + 1), "n3")).event.has_value());
}

TEST_CASE("callback receiver - refusals: each with its status and reason none reaches the queue") {
  Rig rig;
  std::string xml = rig.Event("add_external_contact", "wm2");
  std::string enc = rig.crypto.Encrypt(xml, "0123456789abcdef");
  struct Case {
    const char* name;
    std::string target, body;
    int status;
    const char* reason;
  };
  auto good = rig.Post(xml, "nz");
  std::string forged = good.first;
  forged[forged.find("msg_signature=") + 14] ^= 1;
  auto other_token = *wecom::CallbackCrypto::Create("other", kKey, kCorp);
  std::string t = std::to_string(kNow);
  const Case cases[] = {
      {"no signature", "/wecom/callback?timestamp=1&nonce=a", good.second, 400, "bad_request"},
      {"no nonce", "/wecom/callback?msg_signature=ab&timestamp=1", good.second, 400, "bad_request"},
      {"timestamp not a number", "/wecom/callback?msg_signature=ab&timestamp=12x&nonce=a", good.second, 400, "bad_request"},
      {"forged signature", forged, good.second, 403, "bad_signature"},
      {"another token", fmt::format("/wecom/callback?msg_signature={}&timestamp={}&nonce=q", other_token.Signature(t, "q", enc), t),
       good.second, 403, "bad_signature"},
      {"too old", rig.Post(xml, "old", kNow - 301).first, rig.Post(xml, "old", kNow - 301).second, 403, "stale_timestamp"},
      {"from the future", rig.Post(xml, "fut", kNow + 301).first, rig.Post(xml, "fut", kNow + 301).second, 403, "stale_timestamp"},
      {"malformed envelope", good.first, "<xml><Encrypt>abc</xml>", 400, "malformed_xml"},
      {"no Encrypt", good.first, "<xml><ToUserName>x</ToUserName></xml>", 400, "malformed_xml"},
      {"signed garbage", rig.Post("", "g1", kNow, "AAAA").first, rig.Post("", "g1", kNow, "AAAA").second, 400, "bad_ciphertext"},
      {"signed event that is not XML", rig.Post("not xml", "g2").first, rig.Post("not xml", "g2").second, 400, "malformed_xml"},
  };
  for (const auto& k : cases) {
    CAPTURE(k.name);
    CallbackDecision d = rig.receiver.Handle(HttpRequestView{"POST", k.target, k.body}, kNow);
    CHECK_FALSE(d.event.has_value());
    REQUIRE(d.refused.has_value());
    CHECK(d.response.status == k.status);
    CHECK(std::string(wecom::CallbackRefusalName(*d.refused)) == k.reason);
  }
  CHECK(rig.Refused("bad_signature") == 2);
  CHECK(rig.Refused("stale_timestamp") == 2);
  // The refused requests did not use up the nonce: the genuine one is still accepted.
  CHECK(rig.Send(good).event.has_value());
}

TEST_CASE("callback receiver - GET URL verification answers the decrypted echostr") {
  Rig rig;
  std::string echo = rig.crypto.Encrypt("1288432023552776189", "0123456789abcdef");
  std::string esc;
  for (char c : echo) esc += c == '+' ? "%2B" : c == '/' ? "%2F" : c == '=' ? "%3D" : std::string(1, c);
  std::string t = std::to_string(kNow);
  auto d = rig.receiver.Handle(
      HttpRequestView{"GET", fmt::format("/wecom/callback?msg_signature={}&timestamp={}&nonce=v&echostr={}",
                                         rig.crypto.Signature(t, "v", echo), t, esc), ""}, kNow);
  CHECK(d.response.status == 200);
  CHECK(d.response.body == "1288432023552776189");
  CHECK_FALSE(d.event.has_value());
  CHECK(rig.metrics.events.Value({"verify_url"}) == 1);
  auto bad = rig.receiver.Handle(HttpRequestView{"GET", "/wecom/callback?msg_signature=00&timestamp=" + t + "&nonce=w&echostr=" + esc, ""}, kNow);
  CHECK(bad.response.status == 403);
  auto none = rig.receiver.Handle(HttpRequestView{"GET", "/wecom/callback?msg_signature=00&timestamp=" + t + "&nonce=w", ""}, kNow);
  CHECK(none.response.status == 400);
}

TEST_CASE("callback receiver - the nonce and event caches stay within their bounds") {
  CallbackReceiverOptions o;
  o.max_nonces = 3;
  o.max_events = 2;
  Rig rig(o);
  for (int i = 0; i < 5; ++i)
    CHECK(rig.Send(rig.Post(rig.Event("del_follow_user", "wm" + std::to_string(i)), "n" + std::to_string(i))).event);
  // n0 was pushed out of the 3 remembered nonces, and wm0's event out of the 2 remembered events:
  // its replay is no longer recognised (the timestamp window still bounds how long that is possible).
  CHECK(rig.Send(rig.Post(rig.Event("del_follow_user", "wm0"), "n0")).event.has_value());
  CHECK(*rig.Send(rig.Post(rig.Event("del_follow_user", "wm9"), "n4")).refused == wecom::CallbackRefusal::kReplay);
  // Nonces older than twice the window are forgotten: the window alone refuses such requests.
  auto late = rig.Post(rig.Event("del_follow_user", "wm7"), "n3", kNow + 1000);
  CHECK(rig.Send(late, kNow + 1000).event.has_value());
}

TEST_CASE("callback receiver - query parameters are percent-decoded and keep '+'") {
  CHECK(*QueryParam("/p?a=1&echostr=ab%2Bc%2F%3D&z=", "echostr") == "ab+c/=");
  CHECK(*QueryParam("/p?echostr=ab+c", "echostr") == "ab+c");
  CHECK(*QueryParam("/p?z=", "z") == "");
  CHECK_FALSE(QueryParam("/p?a=1", "b").has_value());
  CHECK_FALSE(QueryParam("/p", "a").has_value());
  CHECK_FALSE(QueryParam("/p?a=%zz", "a").has_value());
}

TEST_CASE("callback metrics - latency buckets are cumulative") {
  MetricsRegistry r;
  CallbackMetrics m(r);
  m.Observe("tagged", 0.3);
  m.Observe("tagged", 1.5);
  m.Observe("unmatched", 12);
  CHECK(m.within.Value({"0.25"}) == 0);
  CHECK(m.within.Value({"0.5"}) == 1);
  CHECK(m.within.Value({"2"}) == 2);
  CHECK(m.within.Value({"10"}) == 2);
  CHECK(m.within.Value({"+Inf"}) == 3);
  CHECK(m.handled.Value({"tagged"}) == 2);
  CHECK(m.latency_sum.Value() == doctest::Approx(13.8));
  CHECK(m.last_latency.Value() == 12);
}

}  // namespace segsync
