// gettoken and the token checks on business calls (wecom-api.md §2, §10.1).
#include <doctest/doctest.h>

#include <thread>

#include "harness.h"

namespace segsync::fake::testing {

TEST_CASE("gettoken checks corpid and secret") {
  FakeServer s({"--corpid", "wwother", "--secret", "s3cret"});
  struct Case {
    std::string query;
    int errcode;
  } cases[] = {
      {"corpid=wwother&corpsecret=s3cret", 0},
      {"corpid=wwfakecorp0000001&corpsecret=s3cret", 40013},
      {"corpid=wwother&corpsecret=fake-secret-do-not-use", 40001},
      {"corpsecret=s3cret", 41002},
      {"corpid=wwother", 41004},
  };
  for (const auto& c : cases) {
    CAPTURE(c.query);
    auto r = s.Request("GET", "/cgi-bin/gettoken?" + c.query);
    REQUIRE(r.status == 200);
    auto o = r.Json();
    CHECK(Errcode(o) == c.errcode);
    if (c.errcode == 0) {
      CHECK(o["access_token"].as_string().size() >= 32);
      CHECK(o["expires_in"] == 7200);
    } else {
      std::string msg(o["errmsg"].as_string());
      CHECK(msg.find(", hint: [") != std::string::npos);
      CHECK(msg.find("from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=" +
                     std::to_string(c.errcode)) != std::string::npos);
    }
  }
  // The secret never shows up in the log.
  CHECK(segsync::testing::ReadFile(s.process().stderr_path()).find("s3cret") == std::string::npos);
}

TEST_CASE("business calls: missing 41001, unknown 40014, expired 42001, revoked 40014, fresh token works") {
  FakeServer s;
  const std::string path = "/cgi-bin/externalcontact/get_corp_tag_list";
  CHECK(Errcode(s.Request("POST", path, "{}").Json()) == 41001);
  CHECK(Errcode(s.Request("POST", path + "?access_token=", "{}").Json()) == 41001);
  CHECK(Errcode(s.Request("POST", path + "?access_token=nonsense", "{}").Json()) == 40014);
  std::string token = s.Token();
  CHECK(Errcode(s.Request("POST", path + "?access_token=" + token, "{}").Json()) == 0);

  s.Admin("tokens", {{"action", "expire"}});
  CHECK(Errcode(s.Request("POST", path + "?access_token=" + token, "{}").Json()) == 42001);
  auto fresh = s.Request("GET", "/cgi-bin/gettoken?corpid=wwfakecorp0000001&corpsecret=fake-secret-do-not-use").Json();
  std::string token2(fresh["access_token"].as_string());
  CHECK(token2 != token);
  CHECK(Errcode(s.Request("POST", path + "?access_token=" + token2, "{}").Json()) == 0);

  s.Admin("tokens", {{"action", "revoke"}});
  CHECK(Errcode(s.Request("POST", path + "?access_token=" + token2, "{}").Json()) == 40014);
  CHECK_FALSE(s.AdminRaw("tokens", {{"action", "explode"}}).Json()["ok"].as_bool());
}

TEST_CASE("a token expires after --token-ttl seconds") {
  FakeServer s({"--token-ttl", "1"});
  std::string token = s.Token();
  const std::string target = "/cgi-bin/externalcontact/get_corp_tag_list?access_token=" + token;
  CHECK(Errcode(s.Request("POST", target, "{}").Json()) == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  CHECK(Errcode(s.Request("POST", target, "{}").Json()) == 42001);
}

}  // namespace segsync::fake::testing
