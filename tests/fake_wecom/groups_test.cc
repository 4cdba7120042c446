// Group chats, join ways, contact ways, mass messages and the state round trip
// (wecom-api.md §6-7, §10.7-9).
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <set>

#include "harness.h"

namespace segsync::fake::testing {

namespace {

std::string NewChat(FakeServer& s, const std::string& owner, const std::string& name) {
  return std::string(s.Admin("add_group_chat", {{"owner", owner}, {"name", name}})["chat_id"].as_string());
}

std::string AddTag(FakeServer& s, const std::string& name) {
  auto r = s.Api("add_corp_tag", {{"group_name", "G"}, {"tag", json::array{json::object{{"name", name}}}}});
  return std::string(r["tag_group"].at("tag").as_array()[0].at("id").as_string());
}

std::set<std::string> Strings(const json::array& a) {
  std::set<std::string> out;
  for (const auto& v : a) out.insert(std::string(v.as_string()));
  return out;
}

}  // namespace

TEST_CASE("groupchat/list: limit required, owner filter, cursor paging, 81017 in a large corp") {
  FakeServer s({"--generate", "customers=10,members=3,seed=1"});
  for (int i = 0; i < 7; ++i) NewChat(s, i < 5 ? "staff001" : "staff002", fmt::format("群{}", i));
  CHECK(Errcode(s.Api("groupchat/list", {})) == 40058);
  CHECK(Errcode(s.Api("groupchat/list", {{"limit", 0}})) == 40058);
  CHECK(Errcode(s.Api("groupchat/list", {{"limit", 1001}})) == 40058);
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto r = s.Api("groupchat/list", {{"limit", 2}, {"cursor", cursor},
                                      {"owner_filter", {{"userid_list", json::array{"staff001"}}}}});
    REQUIRE(Errcode(r) == 0);
    for (const auto& g : r["group_chat_list"].as_array()) {
      CHECK(g.at("status") == 0);
      CHECK(seen.insert(std::string(g.at("chat_id").as_string())).second);
    }
    cursor = std::string(r["next_cursor"].as_string());
    REQUIRE(++pages < 10);
  } while (!cursor.empty());
  CHECK(seen.size() == 5);
  CHECK(pages == 3);
  CHECK(s.Api("groupchat/list", {{"limit", 100}})["group_chat_list"].as_array().size() == 7);

  FakeServer large({"--large-corp"});
  CHECK(Errcode(large.Api("groupchat/list", {{"limit", 100}})) == 81017);
  CHECK(Errcode(large.Api("groupchat/list", {{"limit", 100}, {"owner_filter", {{"userid_list", json::array{"a"}}}}})) == 0);
}

TEST_CASE("join way: validation, and join_group records the state and changes member_version") {
  FakeServer s({"--generate", "customers=10,members=3,seed=1"});
  std::string chat = NewChat(s, "staff001", "会员群");
  json::array six;
  for (int i = 0; i < 6; ++i) six.emplace_back(chat);
  CHECK(Errcode(s.Api("groupchat/add_join_way", {{"scene", 2}, {"chat_id_list", six}})) == 40058);
  CHECK(Errcode(s.Api("groupchat/add_join_way", {{"scene", 2}, {"chat_id_list", json::array{}}})) == 40058);
  CHECK(Errcode(s.Api("groupchat/add_join_way", {{"scene", 3}, {"chat_id_list", json::array{chat}}})) == 40058);
  CHECK(Errcode(s.Api("groupchat/add_join_way", {{"scene", 2}, {"chat_id_list", json::array{"wrnope"}}})) == 40050);
  CHECK(Errcode(s.Api("groupchat/add_join_way", {{"scene", 2}, {"chat_id_list", json::array{chat}},
                                                 {"state", std::string(31, 's')}})) == 40058);
  auto add = s.Api("groupchat/add_join_way", {{"scene", 2}, {"chat_id_list", json::array{chat}}, {"state", "C1000003"},
                                              {"remark", "会员招募"}});
  REQUIRE(Errcode(add) == 0);
  std::string config(add["config_id"].as_string());
  auto way = s.Api("groupchat/get_join_way", {{"config_id", config}})["join_way"].as_object();
  CHECK(way["state"] == "C1000003");
  CHECK(way["chat_id_list"].as_array() == json::array{json::value(chat)});
  CHECK(!way["qr_code"].as_string().empty());
  CHECK(Errcode(s.Api("groupchat/get_join_way", {{"config_id", "nope"}})) == 40058);

  auto before = s.Api("groupchat/get", {{"chat_id", chat}})["group_chat"].as_object();
  s.Admin("join_group", {{"config_id", config}, {"external_userid", "wmC1000003"}});
  auto after = s.Api("groupchat/get", {{"chat_id", chat}, {"need_name", 1}})["group_chat"].as_object();
  CHECK(after["member_version"] != before["member_version"]);
  auto& members = after["member_list"].as_array();
  REQUIRE(members.size() == 2);  // the owner and the customer
  auto& m = members[1].as_object();
  CHECK(m.at("userid") == "wmC1000003");
  CHECK(m.at("type") == 2);
  CHECK(m.at("state") == "C1000003");
  CHECK(m.at("join_scene") == 3);
  CHECK(m.at("unionid") == "oUC1000003");
  CHECK(m.at("join_time").as_int64() > 0);
  CHECK(m.contains("name"));
  s.Admin("leave_group", {{"chat_id", chat}, {"external_userid", "wmC1000003"}});
  auto left = s.Api("groupchat/get", {{"chat_id", chat}})["group_chat"].as_object();
  CHECK(left["member_list"].as_array().size() == 1);
  CHECK(left["member_version"] != after["member_version"]);
  CHECK(Errcode(s.Api("groupchat/get", {{"chat_id", "wrnope"}})) == 40050);

  CHECK(Errcode(s.Api("groupchat/update_join_way", {{"config_id", config}, {"scene", 1},
                                                    {"chat_id_list", json::array{chat}}})) == 0);
  way = s.Api("groupchat/get_join_way", {{"config_id", config}})["join_way"].as_object();
  CHECK(way["state"] == "");  // overwritten wholesale
  CHECK(way["scene"] == 1);
  CHECK(Errcode(s.Api("groupchat/del_join_way", {{"config_id", config}})) == 0);
  CHECK(Errcode(s.Api("groupchat/get_join_way", {{"config_id", config}})) == 40058);
}

TEST_CASE("contact way: validation, qr_code for scene 2, a scan creates a relationship with its state") {
  FakeServer s({"--generate", "customers=10,members=3,seed=1"});
  CHECK(Errcode(s.Api("add_contact_way", {{"type", 1}, {"scene", 2}})) == 40058);  // no user
  CHECK(Errcode(s.Api("add_contact_way", {{"type", 1}, {"scene", 2}, {"user", json::array{"ghost"}}})) == 60111);
  CHECK(Errcode(s.Api("add_contact_way", {{"type", 1}, {"scene", 2}, {"user", json::array{"staff002"}},
                                          {"state", std::string(31, 'x')}})) == 40058);
  auto mini = s.Api("add_contact_way", {{"type", 1}, {"scene", 1}, {"user", json::array{"staff002"}}});
  REQUIRE(Errcode(mini) == 0);
  CHECK_FALSE(mini.contains("qr_code"));
  auto add = s.Api("add_contact_way", {{"type", 1}, {"scene", 2}, {"user", json::array{"staff002"}},
                                       {"state", "aff12345"}, {"skip_verify", true}});
  REQUIRE(Errcode(add) == 0);
  CHECK(add["qr_code"].as_string().starts_with("https://"));
  std::string config(add["config_id"].as_string());
  CHECK(config.size() == 32);
  auto way = s.Api("get_contact_way", {{"config_id", config}})["contact_way"].as_object();
  CHECK(way["state"] == "aff12345");
  CHECK(way["user"].as_array() == json::array{"staff002"});

  s.Admin("scan_contact_way", {{"config_id", config}, {"external_userid", "wmNew0001"}, {"unionid", "oUNew"}});
  auto got = s.ApiGet("get", "external_userid=wmNew0001");
  REQUIRE(Errcode(got) == 0);
  CHECK(got["external_contact"].at("unionid") == "oUNew");
  auto& follow = got["follow_user"].as_array()[0].as_object();
  CHECK(follow.at("userid") == "staff002");
  CHECK(follow.at("state") == "aff12345");
  CHECK(follow.at("add_way") == 1);
  auto batch = s.Api("batch/get_by_user", {{"userid_list", json::array{"staff002"}}, {"limit", 100}});
  bool found = false;
  for (const auto& row : batch["external_contact_list"].as_array())
    if (row.at("external_contact").at("external_userid") == "wmNew0001") found = row.at("follow_info").at("state") == "aff12345";
  CHECK(found);

  CHECK(Errcode(s.Api("update_contact_way", {{"config_id", config}, {"state", "new"}})) == 0);
  CHECK(s.Api("get_contact_way", {{"config_id", config}})["contact_way"].at("state") == "new");
  CHECK(Errcode(s.Api("del_contact_way", {{"config_id", config}})) == 0);
  CHECK(Errcode(s.Api("get_contact_way", {{"config_id", config}})) == 40058);
}

TEST_CASE("add_msg_template: fail_list, tag_filter OR within an entry and AND across, results") {
  FakeServer s({"--generate", "customers=10,members=2,seed=1"});
  std::string vip = AddTag(s, "VIP"), gold = AddTag(s, "Gold"), sh = AddTag(s, "Shanghai");
  auto mark = [&](const std::string& user, const std::string& ext, json::array tags) {
    REQUIRE(Errcode(s.Api("mark_tag", {{"userid", user}, {"external_userid", ext}, {"add_tag", tags}})) == 0);
  };
  mark("staff001", "wmC1000001", {vip, sh});   // matches
  mark("staff002", "wmC1000002", {gold, sh});  // matches
  mark("staff001", "wmC1000003", {vip});       // no city
  mark("staff002", "wmC1000004", {sh});        // no VIP/Gold
  json::object filter{{"group_list", json::array{json::object{{"tag_list", json::array{vip, gold}}},
                                                 json::object{{"tag_list", json::array{sh}}}}}};
  auto r = s.Api("add_msg_template", {{"tag_filter", filter}, {"text", {{"content", "你好"}}}});
  REQUIRE(Errcode(r) == 0);
  std::string msgid(r["msgid"].as_string());
  CHECK(r["fail_list"].as_array().empty());
  auto tasks = s.Api("get_groupmsg_task", {{"msgid", msgid}})["task_list"].as_array();
  REQUIRE(tasks.size() == 2);
  std::set<std::string> recipients;
  for (const auto& t : tasks) {
    CHECK(t.at("status") == 0);
    auto res = s.Api("get_groupmsg_send_result", {{"msgid", msgid}, {"userid", t.at("userid")}});
    for (const auto& row : res["send_list"].as_array()) recipients.insert(std::string(row.at("external_userid").as_string()));
  }
  CHECK(recipients == std::set<std::string>{"wmC1000001", "wmC1000002"});

  // Explicit ids: unknown ones and those not followed by the sender fail.
  auto direct = s.Api("add_msg_template", {{"sender", "staff001"}, {"text", {{"content", "x"}}},
                                           {"external_userid", json::array{"wmC1000001", "wmC1000002", "wmGhost"}}});
  REQUIRE(Errcode(direct) == 0);
  CHECK(Strings(direct["fail_list"].as_array()) == std::set<std::string>{"wmC1000002", "wmGhost"});
  std::string direct_id(direct["msgid"].as_string());
  s.Admin("send_result", {{"msgid", direct_id}, {"userid", "staff001"}, {"external_userid", "wmC1000001"}, {"status", 1}});
  s.Admin("send_result", {{"msgid", direct_id}, {"userid", "staff001"}, {"task_status", 2}});
  auto res = s.Api("get_groupmsg_send_result", {{"msgid", direct_id}, {"userid", "staff001"}})["send_list"].as_array();
  REQUIRE(res.size() == 1);
  CHECK(res[0].at("status") == 1);
  CHECK(res[0].at("send_time").as_int64() > 0);
  CHECK(s.Api("get_groupmsg_task", {{"msgid", direct_id}})["task_list"].as_array()[0].at("status") == 2);

  json::array too_many;
  for (int i = 0; i < 10001; ++i) too_many.emplace_back(fmt::format("wm{}", i));
  CHECK(Errcode(s.Api("add_msg_template", {{"external_userid", too_many}, {"text", {{"content", "x"}}}})) == 40058);
  CHECK(Errcode(s.Api("add_msg_template", {{"external_userid", json::array{"wmC1000001"}}})) == 40058);  // no content
  CHECK(Errcode(s.Api("get_groupmsg_task", {{"msgid", "nope"}})) == 40058);
}

TEST_CASE("the state round-trips through --state") {
  segsync::testing::TempDir dir;
  json::object first;
  {
    FakeServer s({"--generate", "customers=20,members=2,seed=4"});
    std::string tag = AddTag(s, "VIP");
    s.Admin("console/add_tag", {{"group_name", "会籍阶段"}, {"tag", "待转会员"}});
    REQUIRE(Errcode(s.Api("mark_tag", {{"userid", "staff001"}, {"external_userid", "wmC1000001"},
                                       {"add_tag", json::array{tag}}})) == 0);
    std::string chat = NewChat(s, "staff001", "群");
    auto way = s.Api("groupchat/add_join_way", {{"scene", 2}, {"chat_id_list", json::array{chat}}, {"state", "s1"}});
    s.Admin("join_group", {{"config_id", way["config_id"]}, {"external_userid", "wmC1000001"}});
    s.Api("add_contact_way", {{"type", 1}, {"scene", 2}, {"user", json::array{"staff001"}}, {"state", "s2"}});
    s.Api("add_msg_template", {{"text", {{"content", "x"}}}, {"external_userid", json::array{"wmC1000001"}}});
    first = s.Admin("state");
    first.erase("ok");
  }
  segsync::testing::WriteFile(dir / "state.json", json::serialize(first));
  FakeServer again({"--state", dir / "state.json"});
  json::object second = again.Admin("state");
  second.erase("ok");
  CHECK(json::serialize(first) == json::serialize(second));
  // Console ownership survived the trip.
  std::string console_tag;
  for (const auto& g : second["tag_groups"].as_array())
    if (g.at("owner") == "console") console_tag = std::string(g.at("tags").as_array()[0].at("id").as_string());
  REQUIRE(!console_tag.empty());
  CHECK(Errcode(again.Api("del_corp_tag", {{"tag_id", json::array{console_tag}}})) == 301002);
}

}  // namespace segsync::fake::testing
