// Relationships, mark_tag, the customer reads and the generator (wecom-api.md §4-5, §10.5-6;
// /tmp/team/data-contract.md for the generated identities).
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <map>
#include <set>

#include "harness.h"

namespace segsync::fake::testing {

namespace {

std::string AddTag(FakeServer& s, const std::string& group, const std::string& name) {
  auto r = s.Api("add_corp_tag", {{"group_name", group}, {"tag", json::array{json::object{{"name", name}}}}});
  REQUIRE(Errcode(r) == 0);
  return std::string(r["tag_group"].at("tag").as_array()[0].at("id").as_string());
}

json::array RelTags(FakeServer& s, const std::string& userid, const std::string& ext) {
  json::object state = s.Admin("state");
  for (const auto& r : state["relationships"].as_array())
    if (r.at("userid") == userid.c_str() && r.at("external_userid") == ext.c_str()) return r.at("tag_ids").as_array();
  FAIL("no relationship " << userid << "/" << ext);
  return {};
}

}  // namespace

TEST_CASE("generated identities follow the data contract") {
  FakeServer s({"--generate", "customers=100,members=7,seed=5"});
  auto state = s.Admin("state");
  std::map<std::string, json::object> customers;
  for (const auto& c : state["customers"].as_array()) customers[std::string(c.at("external_userid").as_string())] = c.as_object();
  std::map<std::pair<std::string, std::string>, json::object> rels;
  for (const auto& r : state["relationships"].as_array())
    rels[{std::string(r.at("userid").as_string()), std::string(r.at("external_userid").as_string())}] = r.as_object();

  CHECK(customers.size() == 105);  // 100 profiles + 100/20 extra
  CHECK(rels.size() == 100 + 20 + 5);
  CHECK(state["members"].as_array().size() == 7);
  CHECK(customers.at("wmC1000007")["unionid"] == "");
  CHECK(customers.at("wmC1000005")["unionid"] == "oUC1000005");
  CHECK(customers.count("wmX0000005") == 1);
  for (int i = 1; i <= 100; ++i) {
    std::string cid = fmt::format("C{:07d}", 1000000 + i), ext = "wm" + cid;
    CAPTURE(ext);
    int k = i % 10;
    std::string first = fmt::format("staff{:03d}", (i - 1) % 7 + 1);
    REQUIRE(rels.count({first, ext}) == 1);
    auto& r = rels.at({first, ext});
    CHECK(r["createtime"] == 1700000000 + i * 60);
    CHECK(customers.at(ext)["unionid"] == (k <= 5 ? "oU" + cid : std::string()).c_str());
    CHECK(r["state"] == ((k == 6 || k == 7) ? cid : std::string()).c_str());
    if (k == 8) {
      std::string mobile = fmt::format("138{:08d}", i);
      std::string formatted = "+86 " + mobile.substr(0, 3) + "-" + mobile.substr(3, 4) + "-" + mobile.substr(7);
      CHECK(r["remark_mobiles"].as_array() == json::array{json::value(formatted)});
    } else {
      CHECK(r["remark_mobiles"].as_array().empty());
    }
    std::string second = fmt::format("staff{:03d}", i % 7 + 1);
    CHECK(rels.count({second, ext}) == (i % 5 == 0 ? 1u : 0u));
    if (i % 5 == 0) CHECK(rels.at({second, ext})["createtime"] == 1700000000 + i * 60 + 86400);
  }
  // Spot check through the API, as a client sees it.
  auto got = s.ApiGet("get", "external_userid=wmC1000007");
  REQUIRE(Errcode(got) == 0);
  CHECK(got["follow_user"].as_array()[0].at("state") == "C1000007");
  CHECK_FALSE(got["external_contact"].as_object().contains("unionid"));  // k == 7: none
  auto union7 = s.ApiGet("get", "external_userid=wmC1000003")["external_contact"].as_object();
  CHECK(union7["unionid"] == "oUC1000003");
}

TEST_CASE("the same seed generates the same corp") {
  FakeServer a({"--generate", "customers=50,members=3,seed=9"}), b({"--generate", "customers=50,members=3,seed=9"});
  auto sa = a.Admin("state"), sb = b.Admin("state");
  CHECK(sa["customers"] == sb["customers"]);
  CHECK(sa["relationships"] == sb["relationships"]);
}

TEST_CASE("batch/get_by_user pages over 12,500 relationships, each exactly once") {
  FakeServer s({"--generate", "customers=10000,members=10,seed=1"});
  json::array userids;
  for (int i = 1; i <= 10; ++i) userids.emplace_back(fmt::format("staff{:03d}", i));
  std::set<std::pair<std::string, std::string>> seen;
  std::string cursor;
  int calls = 0;
  do {
    auto r = s.Api("batch/get_by_user", {{"userid_list", userids}, {"cursor", cursor}, {"limit", 1000}});
    REQUIRE(Errcode(r) == 0);
    auto& rows = r["external_contact_list"].as_array();
    REQUIRE(rows.size() <= 100);  // limit clamped
    for (const auto& row : rows) {
      auto& follow = row.at("follow_info").as_object();
      CHECK(follow.at("tag_id").is_array());
      bool fresh = seen.insert({std::string(follow.at("userid").as_string()),
                                std::string(row.at("external_contact").at("external_userid").as_string())}).second;
      CHECK(fresh);
    }
    cursor = std::string(r["next_cursor"].as_string());
    if (!cursor.empty()) CHECK(rows.size() == 100);
    REQUIRE(++calls < 200);
  } while (!cursor.empty());
  CHECK(seen.size() == 12500);
  CHECK(calls == 125);

  auto one = s.Api("batch/get_by_user", {{"userid_list", json::array{"staff003"}}});
  CHECK(one["external_contact_list"].as_array().size() == 50);  // default limit
  for (const auto& row : one["external_contact_list"].as_array()) CHECK(row.at("follow_info").at("userid") == "staff003");
}

TEST_CASE("batch/get_by_user rejects bad requests") {
  FakeServer s({"--generate", "customers=10,members=2,seed=1"});
  json::array many;
  for (int i = 0; i < 101; ++i) many.emplace_back(fmt::format("staff{:03d}", i % 2 + 1));
  CHECK(Errcode(s.Api("batch/get_by_user", {{"userid_list", many}})) == 40058);
  CHECK(Errcode(s.Api("batch/get_by_user", {})) == 40058);
  CHECK(Errcode(s.Api("batch/get_by_user", {{"userid_list", json::array{"ghost"}}})) == 60111);
  CHECK(Errcode(s.Api("batch/get_by_user", {{"userid_list", json::array{"staff001"}}, {"cursor", "zz"}})) == 40058);
  CHECK(Errcode(s.Api("batch/get_by_user", {{"userid_list", "staff001"}})) == 40058);
}

TEST_CASE("mark_tag: errors, idempotence, and only that relationship changes") {
  FakeServer s({"--generate", "customers=10,members=3,seed=1"});
  std::string a = AddTag(s, "G", "a"), b = AddTag(s, "G", "b");
  // wmC1000005 is followed by staff002 and staff003 (i % 5 == 0).
  json::object base{{"userid", "staff002"}, {"external_userid", "wmC1000005"}};
  struct Case {
    const char* what;
    json::object body;
    int errcode;
  } cases[] = {
      {"both lists empty", {{"userid", "staff002"}, {"external_userid", "wmC1000005"}}, 40058},
      {"unknown customer", {{"userid", "staff002"}, {"external_userid", "wmnope"}, {"add_tag", json::array{a}}}, 40096},
      {"unknown member", {{"userid", "ghost"}, {"external_userid", "wmC1000005"}, {"add_tag", json::array{a}}}, 60111},
      {"no relationship", {{"userid", "staff001"}, {"external_userid", "wmC1000005"}, {"add_tag", json::array{a}}}, 84061},
      {"unknown tag", {{"userid", "staff002"}, {"external_userid", "wmC1000005"}, {"add_tag", json::array{a, "etnope"}}}, 40068},
      {"unknown removed tag", {{"userid", "staff002"}, {"external_userid", "wmC1000005"}, {"remove_tag", json::array{"etnope"}}}, 40068},
      {"missing userid", {{"external_userid", "wmC1000005"}, {"add_tag", json::array{a}}}, 40058},
  };
  for (auto& c : cases) {
    CAPTURE(c.what);
    CHECK(Errcode(s.Api("mark_tag", c.body)) == c.errcode);
  }
  CHECK(RelTags(s, "staff002", "wmC1000005").empty());  // a rejected call changed nothing

  json::object add = base;
  add["add_tag"] = json::array{a, b, a};
  CHECK(Errcode(s.Api("mark_tag", add)) == 0);
  CHECK(Errcode(s.Api("mark_tag", add)) == 0);  // again: no error, no duplicates
  CHECK(RelTags(s, "staff002", "wmC1000005") == json::array{a, b});
  CHECK(RelTags(s, "staff003", "wmC1000005").empty());
  json::object remove = base;
  remove["remove_tag"] = json::array{a};
  CHECK(Errcode(s.Api("mark_tag", remove)) == 0);
  CHECK(Errcode(s.Api("mark_tag", remove)) == 0);  // removing an absent tag is fine
  CHECK(RelTags(s, "staff002", "wmC1000005") == json::array{b});

  // Reads show the tags per relationship.
  auto got = s.ApiGet("get", "external_userid=wmC1000005");
  for (const auto& f : got["follow_user"].as_array()) {
    auto& tags = f.at("tags").as_array();
    if (f.at("userid") == "staff002") {
      REQUIRE(tags.size() == 1);
      CHECK(tags[0].at("tag_id") == b.c_str());
      CHECK(tags[0].at("tag_name") == "b");
      CHECK(tags[0].at("group_name") == "G");
      CHECK(tags[0].at("type") == 1);
    } else {
      CHECK(tags.empty());
    }
  }
  // A member of staff tagging by hand, seen by the next read.
  s.Admin("staff_mark_tag", {{"userid", "staff003"}, {"external_userid", "wmC1000005"}, {"add", json::array{a}}});
  CHECK(RelTags(s, "staff003", "wmC1000005") == json::array{a});
  s.Admin("delete_relationship", {{"userid", "staff003"}, {"external_userid", "wmC1000005"}});
  CHECK(Errcode(s.Api("mark_tag", {{"userid", "staff003"}, {"external_userid", "wmC1000005"},
                                   {"add_tag", json::array{a}}})) == 84061);
}

TEST_CASE("get_follow_user_list, list and get") {
  FakeServer s({"--generate", "customers=10,members=3,seed=1"});
  s.Admin("add_member", {{"userid", "lonely"}});
  auto members = s.ApiGet("get_follow_user_list", "x=1")["follow_user"].as_array();
  CHECK(members.size() == 4);
  auto list = s.ApiGet("list", "userid=staff001");
  REQUIRE(Errcode(list) == 0);
  CHECK(list["external_userid"].as_array().size() == 4);  // i = 1, 4, 7, 10
  CHECK(Errcode(s.ApiGet("list", "userid=lonely")) == 84061);
  CHECK(Errcode(s.ApiGet("list", "userid=ghost")) == 60111);
  CHECK(Errcode(s.ApiGet("get", "external_userid=wmnope")) == 40096);
  CHECK(Errcode(s.ApiGet("get", "external_userid=")) == 40058);
}

TEST_CASE("get pages follow_user above 500") {
  segsync::testing::TempDir dir;
  json::array rels;
  for (int i = 0; i < 501; ++i)
    rels.push_back({{"userid", fmt::format("m{:04d}", i)}, {"external_userid", "wmBig"}, {"createtime", 1700000000 + i}});
  segsync::testing::WriteFile(dir / "state.json", json::serialize(json::object{{"relationships", rels}}));
  FakeServer s({"--state", dir / "state.json"});
  auto first = s.ApiGet("get", "external_userid=wmBig");
  REQUIRE(Errcode(first) == 0);
  CHECK(first["follow_user"].as_array().size() == 500);
  std::string cursor(first["next_cursor"].as_string());
  REQUIRE(!cursor.empty());
  auto second = s.ApiGet("get", "external_userid=wmBig&cursor=" + cursor);
  REQUIRE(second["follow_user"].as_array().size() == 1);
  CHECK(second["follow_user"].as_array()[0].at("userid") == "m0500");
  CHECK(second["next_cursor"] == "");
}

}  // namespace segsync::fake::testing
