// Fault injection, rate and concurrency limits, stats (fake-wecom-contract.md).
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <thread>

#include "harness.h"

namespace segsync::fake::testing {

namespace {

using Ms = std::chrono::milliseconds;

json::object MarkBody() {
  return {{"userid", "staff001"}, {"external_userid", "wmC1000001"}, {"remove_tag", json::array{}},
          {"add_tag", json::array{}}};
}

// A call that succeeds on a generated corp: list staff001's customers.
HttpResult Call(FakeServer& s, Client& c, const std::string& endpoint = "get_corp_tag_list") {
  return c.Send("POST", "/cgi-bin/externalcontact/" + endpoint + "?access_token=" + s.Token(), "{}");
}

}  // namespace

TEST_CASE("queued faults: errcode, http_status, body, delay, drop, in order, then normal again") {
  FakeServer s({"--generate", "customers=5,members=1,seed=1"});
  s.Token();
  s.Admin("fault", {{"endpoint", "get_corp_tag_list"}, {"count", 2}, {"errcode", 45033}});
  s.Admin("fault", {{"endpoint", "get_corp_tag_list"}, {"http_status", 503}});
  s.Admin("fault", {{"endpoint", "get_corp_tag_list"}, {"body", "not json"}});
  s.Admin("fault", {{"endpoint", "get_corp_tag_list"}, {"delay_ms", 400}});
  s.Admin("fault", {{"endpoint", "get_corp_tag_list"}, {"drop", true}});
  Client c(s.port());
  CHECK(Errcode(Call(s, c).Json()) == 45033);
  CHECK(Errcode(Call(s, c).Json()) == 45033);
  HttpResult r = Call(s, c);
  CHECK(r.status == 503);
  r = Call(s, c);
  CHECK(r.status == 200);
  CHECK(r.body == "not json");
  auto start = std::chrono::steady_clock::now();
  CHECK(Errcode(Call(s, c).Json()) == 0);
  CHECK(std::chrono::steady_clock::now() - start >= Ms(390));
  r = Call(s, c);
  CHECK(r.dropped);
  CHECK(r.status == 0);
  Client c2(s.port());
  CHECK(Errcode(Call(s, c2).Json()) == 0);
  // Other endpoints were never affected.
  CHECK(Errcode(s.ApiGet("list", "userid=staff001")) == 0);
  auto stats = s.Admin("stats");
  CHECK(stats["faults_injected"] == 6);
  CHECK(stats["errors"].at("get_corp_tag_list").at("45033") == 2);
  CHECK(stats["errors"].at("get_corp_tag_list").at("http503") == 1);
  CHECK(stats["errors"].at("get_corp_tag_list").at("drop") == 1);
  CHECK(stats["calls"].at("get_corp_tag_list") == 7);
}

TEST_CASE("a dropped mark_tag was still applied; '*' faults hit any endpoint") {
  FakeServer s({"--generate", "customers=5,members=1,seed=1"});
  auto t = s.Api("add_corp_tag", {{"group_name", "G"}, {"tag", json::array{json::object{{"name", "x"}}}}});
  std::string tag(t["tag_group"].at("tag").as_array()[0].at("id").as_string());
  s.Admin("fault", {{"endpoint", "mark_tag"}, {"drop", true}});
  json::object body = MarkBody();
  body["add_tag"] = json::array{tag};
  HttpResult r = s.Request("POST", "/cgi-bin/externalcontact/mark_tag?access_token=" + s.Token(), json::serialize(body));
  CHECK(r.dropped);
  auto rel = s.Admin("state")["relationships"].as_array()[0].as_object();
  CHECK(rel["tag_ids"].as_array() == json::array{json::value(tag)});

  s.Admin("fault", {{"endpoint", "*"}, {"count", 2}, {"errcode", -1}});
  CHECK(Errcode(s.ApiGet("list", "userid=staff001")) == -1);
  CHECK(Errcode(s.Api("get_corp_tag_list")) == -1);
  CHECK(Errcode(s.Api("get_corp_tag_list")) == 0);
  CHECK_FALSE(s.AdminRaw("fault", {{"endpoint", "mark_tag"}}).Json()["ok"].as_bool());  // no kind
  CHECK_FALSE(s.AdminRaw("fault", {{"endpoint", "mark_tag"}, {"errcode", 1}, {"drop", true}}).Json()["ok"].as_bool());
}

TEST_CASE("per_minute limit: 45009 above it, blocked for block_seconds, then open again") {
  FakeServer s;
  s.Token();
  s.Admin("limit", {{"endpoint", "get_corp_tag_list"}, {"per_minute", 5}, {"block_seconds", 1}});
  Client c(s.port());
  for (int i = 0; i < 5; ++i) CHECK(Errcode(Call(s, c).Json()) == 0);
  CHECK(Errcode(Call(s, c).Json()) == 45009);
  CHECK(Errcode(Call(s, c).Json()) == 45009);  // still blocked
  CHECK(Errcode(s.ApiGet("get_follow_user_list", "a=b")) == 0);  // other endpoints are not
  std::this_thread::sleep_for(Ms(1100));
  CHECK(Errcode(Call(s, c).Json()) == 0);
  s.Admin("limit", {{"endpoint", "get_corp_tag_list"}, {"per_minute", 0}});
  for (int i = 0; i < 10; ++i) CHECK(Errcode(Call(s, c).Json()) == 0);
  CHECK(s.Admin("stats")["errors"].at("get_corp_tag_list").at("45009") == 2);
}

TEST_CASE("max_in_flight: a call beyond the limit gets 45033; peak_in_flight is counted") {
  FakeServer s({"--threads", "4"});
  std::string token = s.Token();
  s.Admin("limit", {{"endpoint", "get_corp_tag_list"}, {"max_in_flight", 2}});
  s.Admin("fault", {{"endpoint", "get_corp_tag_list"}, {"count", 2}, {"delay_ms", 1500}});
  auto slow = [&] {
    Client c(s.port());
    return Errcode(Call(s, c).Json());
  };
  auto a = std::async(std::launch::async, slow);
  auto b = std::async(std::launch::async, slow);
  for (int i = 0; i < 100; ++i) {  // wait until both are held by their delay
    auto now = s.Admin("stats")["in_flight"].as_object();
    if (now.contains("get_corp_tag_list") && now["get_corp_tag_list"] == 2) break;
    std::this_thread::sleep_for(Ms(10));
  }
  Client c(s.port());
  CHECK(Errcode(Call(s, c).Json()) == 45033);
  CHECK(a.get() == 0);
  CHECK(b.get() == 0);
  CHECK(Errcode(Call(s, c).Json()) == 0);
  auto stats = s.Admin("stats");
  CHECK(stats["peak_in_flight"].at("get_corp_tag_list") == 3);
  CHECK(stats["peak_in_flight"].at("*").as_int64() >= 3);
  s.Admin("reset_stats");
  CHECK(s.Admin("stats")["total"] == 0);
}

TEST_CASE("seeded faults are reproducible and include token revocation") {
  auto run = [](std::uint64_t seed) {
    FakeServer s;
    s.Admin("seed_faults", {{"seed", seed}, {"rate", 0.3}, {"kinds", json::array{"-1", "45033", "http500", "revoke_token"}},
                            {"endpoints", json::array{"get_corp_tag_list"}}});
    auto fresh_token = [&] {
      auto r = s.Request("GET", "/cgi-bin/gettoken?corpid=wwfakecorp0000001&corpsecret=fake-secret-do-not-use").Json();
      return std::string(r["access_token"].as_string());
    };
    std::string token = fresh_token();
    std::vector<std::string> outcomes;
    int revoked = 0;
    for (int i = 0; i < 60; ++i) {
      HttpResult r = s.Request("POST", "/cgi-bin/externalcontact/get_corp_tag_list?access_token=" + token, "{}");
      outcomes.push_back(r.status == 200 ? std::to_string(Errcode(r.Json())) : "http" + std::to_string(r.status));
      if (outcomes.back() == "40014") {  // revoked: that token stays dead; a new one works
        ++revoked;
        CHECK(Errcode(s.Request("POST", "/cgi-bin/externalcontact/get_follow_user_list?access_token=" + token).Json()) ==
              40014);
        token = fresh_token();
      }
    }
    CHECK(revoked > 0);
    auto stats = s.Admin("stats");
    CHECK_FALSE(stats["errors"].as_object().contains("gettoken"));  // only the listed endpoint
    return std::make_pair(outcomes, stats["faults_injected"].as_int64());
  };
  auto [first, n1] = run(42);
  auto [again, n2] = run(42);
  CHECK(first == again);
  CHECK(n1 == n2);
  CHECK(n1 > 5);
  CHECK(n1 < 40);
  auto [other, n3] = run(7);
  CHECK(other != first);
  FakeServer s;
  CHECK_FALSE(s.AdminRaw("seed_faults", {{"seed", 1}, {"rate", 0.5}, {"kinds", json::array{"bogus"}}}).Json()["ok"].as_bool());
}

}  // namespace segsync::fake::testing
