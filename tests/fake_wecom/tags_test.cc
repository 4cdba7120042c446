// The corp tag library rules (wecom-api.md §3, §10.4).
#include <doctest/doctest.h>

#include "harness.h"

namespace segsync::fake::testing {

namespace {

json::array Tags(std::initializer_list<const char*> names) {
  json::array a;
  for (const char* n : names) a.push_back(json::object{{"name", n}});
  return a;
}

std::string TagId(const json::object& add_answer, std::size_t i) {
  return std::string(add_answer.at("tag_group").at("tag").as_array().at(i).at("id").as_string());
}

json::array List(FakeServer& s, const json::object& body = {}) {
  auto r = s.Api("get_corp_tag_list", body);
  REQUIRE(Errcode(r) == 0);
  return r["tag_group"].as_array();
}

}  // namespace

TEST_CASE("add_corp_tag: et ids, upsert by group_name, duplicates collapse, existing names reused") {
  FakeServer s;
  auto a = s.Api("add_corp_tag", {{"group_name", "会籍阶段"}, {"order", 5}, {"tag", Tags({"待转会员", "待转会员", "VIP"})}});
  REQUIRE(Errcode(a) == 0);
  auto& group = a["tag_group"].as_object();
  CHECK(group["group_id"].as_string().starts_with("et"));
  REQUIRE(group["tag"].as_array().size() == 2);
  CHECK(TagId(a, 0).starts_with("et"));
  CHECK(TagId(a, 0) != TagId(a, 1));

  auto b = s.Api("add_corp_tag", {{"group_name", "会籍阶段"}, {"tag", Tags({"VIP", "新标签"})}});
  REQUIRE(Errcode(b) == 0);
  CHECK(b["tag_group"].at("group_id") == group["group_id"]);
  CHECK(TagId(b, 0) == TagId(a, 1));  // VIP existed: same id back

  auto c = s.Api("add_corp_tag", {{"group_id", group["group_id"]}, {"tag", Tags({"第四"})}});
  REQUIRE(Errcode(c) == 0);
  auto groups = List(s);
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].at("tag").as_array().size() == 4);
  CHECK(groups[0].at("order") == 5);
}

TEST_CASE("add_corp_tag rejects bad requests without changing anything") {
  FakeServer s({"--max-tags", "5"});
  std::string long_name(31 * 3, 'x');
  std::string thirty_cjk;
  for (int i = 0; i < 30; ++i) thirty_cjk += "标";
  struct Case {
    const char* what;
    json::object body;
    int errcode;
  } cases[] = {
      {"group_id empty string", {{"group_id", ""}, {"group_name", "g"}, {"tag", Tags({"a"})}}, 40058},
      {"empty tag list", {{"group_name", "g"}, {"tag", json::array{}}}, 40058},
      {"no tag field", {{"group_name", "g"}}, 40058},
      {"no group name", {{"tag", Tags({"a"})}}, 40058},
      {"empty tag name", {{"group_name", "g"}, {"tag", Tags({""})}}, 40058},
      {"31 characters", {{"group_name", "g"}, {"tag", Tags({"标标标标标标标标标标标标标标标标标标标标标标标标标标标标标标标"})}}, 40072},
      {"group name too long", {{"group_name", thirty_cjk + "x"}, {"tag", Tags({"a"})}}, 40072},
      {"unknown group id", {{"group_id", "etnope"}, {"tag", Tags({"a"})}}, 40068},
      {"over the tag limit", {{"group_name", "g"}, {"tag", Tags({"1", "2", "3", "4", "5", "6"})}}, 40074},
      {"tag not an array", {{"group_name", "g"}, {"tag", "a"}}, 40058},
  };
  for (auto& c : cases) {
    CAPTURE(c.what);
    CHECK(Errcode(s.Api("add_corp_tag", c.body)) == c.errcode);
  }
  CHECK(List(s).empty());
  // 30 CJK characters is fine: the limit counts characters, not bytes.
  CHECK(Errcode(s.Api("add_corp_tag", {{"group_name", thirty_cjk}, {"tag", Tags({"1", "2", "3", "4", "5"})}})) == 0);
  CHECK(Errcode(s.Api("add_corp_tag", {{"group_name", "h"}, {"tag", Tags({"6"})}})) == 40074);
}

TEST_CASE("edit_corp_tag renames tags and groups, rejecting clashes and console tags") {
  FakeServer s;
  auto a = s.Api("add_corp_tag", {{"group_name", "A"}, {"tag", Tags({"x", "y"})}});
  auto b = s.Api("add_corp_tag", {{"group_name", "B"}, {"tag", Tags({"x"})}});
  std::string x = TagId(a, 0), y = TagId(a, 1), group_a(a["tag_group"].at("group_id").as_string());
  CHECK(Errcode(s.Api("edit_corp_tag", {{"id", y}, {"name", "x"}})) == 40071);
  CHECK(Errcode(s.Api("edit_corp_tag", {{"id", group_a}, {"name", "B"}})) == 40071);
  CHECK(Errcode(s.Api("edit_corp_tag", {{"id", y}, {"name", "z"}, {"order", 9}})) == 0);
  CHECK(Errcode(s.Api("edit_corp_tag", {{"id", x}, {"name", "x"}})) == 0);  // its own name: no clash
  CHECK(Errcode(s.Api("edit_corp_tag", {{"id", group_a}, {"name", "A2"}})) == 0);
  CHECK(Errcode(s.Api("edit_corp_tag", {{"id", "etmissing"}, {"name", "q"}})) == 40068);
  CHECK(Errcode(s.Api("edit_corp_tag", {{"name", "q"}})) == 40058);
  auto groups = List(s, {{"group_id", json::array{group_a}}});
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].at("group_name") == "A2");
  CHECK(groups[0].at("tag").as_array()[0].at("name") == "z");  // order 9 sorts first

  auto console = s.Admin("console/add_tag", {{"group_name", "会籍阶段"}, {"tag", "待转会员"}});
  std::string ctag(console["tag_id"].as_string()), cgroup(console["group_id"].as_string());
  CHECK(Errcode(s.Api("edit_corp_tag", {{"id", ctag}, {"name", "n"}})) == 301002);
  CHECK(Errcode(s.Api("edit_corp_tag", {{"id", cgroup}, {"name", "n"}})) == 301002);
  CHECK(Errcode(s.Api("del_corp_tag", {{"tag_id", json::array{ctag}}})) == 301002);
  CHECK(Errcode(s.Api("del_corp_tag", {{"group_id", json::array{cgroup}}})) == 301002);
  (void)b;
}

TEST_CASE("del_corp_tag: last tag deletes the group; deleted ids read back deleted:true") {
  FakeServer s({"--generate", "customers=2,members=1,seed=1"});
  auto a = s.Api("add_corp_tag", {{"group_name", "A"}, {"tag", Tags({"x", "y"})}});
  std::string x = TagId(a, 0), y = TagId(a, 1), group(a["tag_group"].at("group_id").as_string());
  REQUIRE(Errcode(s.Api("mark_tag", {{"userid", "staff001"}, {"external_userid", "wmC1000001"},
                                     {"add_tag", json::array{x, y}}})) == 0);
  CHECK(Errcode(s.Api("del_corp_tag", {})) == 40058);
  CHECK(Errcode(s.Api("del_corp_tag", {{"tag_id", json::array{"etnope"}}})) == 40068);
  CHECK(Errcode(s.Api("del_corp_tag", {{"tag_id", json::array{x}}})) == 0);
  CHECK(Errcode(s.Api("del_corp_tag", {{"tag_id", json::array{x}}})) == 40068);  // already gone
  REQUIRE(List(s).size() == 1);
  // The deleted tag left the relationship too.
  auto rel = s.Admin("state")["relationships"].as_array()[0].as_object();
  CHECK(rel["tag_ids"].as_array() == json::array{y});

  CHECK(Errcode(s.Api("del_corp_tag", {{"tag_id", json::array{y}}})) == 0);
  CHECK(List(s).empty());  // the group went with its last tag
  auto by_tag = List(s, {{"tag_id", json::array{x}}});
  REQUIRE(by_tag.size() == 1);
  CHECK(by_tag[0].at("deleted") == true);
  CHECK(by_tag[0].at("tag").as_array()[0].at("deleted") == true);
  auto by_group = List(s, {{"group_id", json::array{group}}});
  REQUIRE(by_group.size() == 1);
  CHECK(by_group[0].at("deleted") == true);
  CHECK(Errcode(s.Api("add_corp_tag", {{"group_id", group}, {"tag", Tags({"z"})}})) == 40068);
}

TEST_CASE("get_corp_tag_list: group_id wins over tag_id; tag_id returns only those tags") {
  FakeServer s;
  auto a = s.Api("add_corp_tag", {{"group_name", "A"}, {"tag", Tags({"a1", "a2"})}});
  auto b = s.Api("add_corp_tag", {{"group_name", "B"}, {"order", 7}, {"tag", Tags({"b1"})}});
  std::string group_b(b["tag_group"].at("group_id").as_string());
  auto all = List(s);
  REQUIRE(all.size() == 2);
  CHECK(all[0].at("group_name") == "B");  // higher order first
  auto only_tag = List(s, {{"tag_id", json::array{TagId(a, 1)}}});
  REQUIRE(only_tag.size() == 1);
  CHECK(only_tag[0].at("tag").as_array().size() == 1);
  CHECK(only_tag[0].at("tag").as_array()[0].at("name") == "a2");
  auto both = List(s, {{"tag_id", json::array{TagId(a, 0)}}, {"group_id", json::array{group_b}}});
  REQUIRE(both.size() == 1);
  CHECK(both[0].at("group_name") == "B");
}

}  // namespace segsync::fake::testing

namespace segsync::fake::testing {

TEST_CASE("a tag deleted in the console leaves every customer and can no longer be marked") {
  FakeServer s;
  s.Admin("add_relationship", {{"userid", "rocky"}, {"external_userid", "wmA"}, {"unionid", "oA"}, {"state", "C1"},
                               {"remark_mobiles", json::array{"138 0000 0001"}}, {"createtime", 1700000000}});
  auto console = s.Admin("console/add_tag", {{"group_name", "会籍阶段"}, {"tag", "待转会员"}});
  std::string tag(console["tag_id"].as_string());
  // The app may apply a console tag (it just cannot edit or delete it).
  REQUIRE(Errcode(s.Api("mark_tag", {{"userid", "rocky"}, {"external_userid", "wmA"}, {"add_tag", json::array{tag}}})) == 0);
  auto row = s.Api("batch/get_by_user", {{"userid_list", json::array{"rocky"}}})["external_contact_list"].as_array()[0];
  CHECK(row.at("follow_info").at("tag_id").as_array() == json::array{json::value(tag)});
  CHECK(row.at("follow_info").at("state") == "C1");
  CHECK(row.at("follow_info").at("remark_mobiles").as_array()[0] == "138 0000 0001");
  CHECK(row.at("external_contact").at("unionid") == "oA");

  s.Admin("console/delete_tag", {{"tag_id", tag}});
  row = s.Api("batch/get_by_user", {{"userid_list", json::array{"rocky"}}})["external_contact_list"].as_array()[0];
  CHECK(row.at("follow_info").at("tag_id").as_array().empty());
  CHECK(Errcode(s.Api("mark_tag", {{"userid", "rocky"}, {"external_userid", "wmA"}, {"add_tag", json::array{tag}}})) == 40068);
  auto groups = s.Api("get_corp_tag_list", {{"tag_id", json::array{tag}}})["tag_group"].as_array();
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].at("tag").as_array()[0].at("deleted") == true);
}

}  // namespace segsync::fake::testing
