#include "wecom/codec.h"

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <filesystem>

#include "test_support.h"

namespace segsync::wecom {

namespace json = boost::json;

namespace {

std::string Fixture(const std::string& name) {
  return testing::ReadFile(std::string(SEGSYNC_SHARED_DIR) + "/wecom-fixtures/" + name);
}

json::object Body(const std::string& text) {
  auto r = ParseBody("test", 200, text);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("every shared fixture parses as an envelope with errcode 0") {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(SEGSYNC_SHARED_DIR) + "/wecom-fixtures")) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    CAPTURE(entry.path().filename().string());
    auto body = ParseBody("fixture", 200, testing::ReadFile(entry.path().string()));
    REQUIRE(body.ok());
    auto env = ReadEnvelope("fixture", *body);
    REQUIRE(env.ok());
    CHECK(env->errcode == 0);
  }
  CHECK(files == 15);
}

TEST_CASE("gettoken fixture: no errcode, token and expiry read") {
  auto t = DecodeToken(Body(Fixture("gettoken.json")));
  REQUIRE(t.ok());
  CHECK(t->access_token == "1234567890");
  CHECK(t->expires_in == 7200);
}

TEST_CASE("follow user list and customer list fixtures") {
  auto users = DecodeStringList("get_follow_user_list", Body(Fixture("externalcontact_get_follow_user_list.json")), "follow_user");
  REQUIRE(users.ok());
  CHECK(*users == std::vector<std::string>{"zhangsan", "lissi"});
  auto ext = DecodeStringList("list", Body(Fixture("externalcontact_list.json")), "external_userid");
  REQUIRE(ext.ok());
  CHECK(ext->size() == 2);
  CHECK(ext->at(1) == "wmqfasd1e1927831291723123109r712");
}

TEST_CASE("externalcontact/get old shape: remark_company, numeric mobiles, tags without tag_id") {
  auto d = DecodeExternalContactDetail(Body(Fixture("externalcontact_get.json")));
  REQUIRE(d.ok());
  CHECK(d->contact.external_userid == "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w");
  CHECK(d->contact.name == "李四");
  CHECK(d->contact.type == 2);
  CHECK(d->contact.unionid == "ozynqsulJFCZ2z1aYeS8h-nuasdfR1");
  REQUIRE(d->follow_users.size() == 2);
  const auto& rocky = d->follow_users[0];
  CHECK(rocky.userid == "rocky");
  CHECK(rocky.remark_corp_name == "腾讯科技");
  CHECK(rocky.remark_mobiles == std::vector<std::string>{"138000001", "130000002"});
  REQUIRE(rocky.tags.size() == 1);
  CHECK(rocky.tags[0].tag_name == "标签名称");
  CHECK(rocky.tags[0].tag_id.empty());
  CHECK(rocky.tags[0].type == 1);
  CHECK(d->follow_users[1].state == "外联二维码1");
  CHECK(d->next_cursor.empty());
}

TEST_CASE("batch/get_by_user fixture gives one relationship per row with tag ids") {
  auto page = DecodeRelationshipPage(Body(Fixture("externalcontact_batch_get_by_user.json")));
  REQUIRE(page.ok());
  REQUIRE(page->relationships.size() == 2);
  const auto& a = page->relationships[0];
  CHECK(a.external_userid == "woAJ2GCAAAXtWyujaWJHDDGi0mACHAAA");
  CHECK(a.unionid == "ozynqsulJFCZ2z1aYeS8h-nuasdAAA");
  CHECK(a.createtime == 1525779812);
  CHECK(a.add_way == 1);
  CHECK(a.tag_ids == std::vector<std::string>{"etAJ2GCAAAXtWyujaWJHDDGi0mACHAAA"});
  CHECK(a.remark_mobiles == std::vector<std::string>{"13800000001", "13000000002"});
  CHECK(page->relationships[1].state == "外联二维码1");
  CHECK(page->relationships[1].add_way == 3);
  CHECK(page->next_cursor.empty());
}

TEST_CASE("corp tag fixtures: list with deleted flags, add returns the new ids") {
  auto groups = DecodeTagGroups(Body(Fixture("externalcontact_get_corp_tag_list.json")));
  REQUIRE(groups.ok());
  REQUIRE(groups->size() == 1);
  CHECK(groups->at(0).group_id == "TAG_GROUPID1");
  CHECK(groups->at(0).create_time == 1557838797);
  REQUIRE(groups->at(0).tags.size() == 2);
  CHECK_FALSE(groups->at(0).tags[0].deleted);
  CHECK(groups->at(0).tags[1].deleted);
  CHECK(groups->at(0).tags[1].order == 2);
  auto added = DecodeAddedTagGroup(Body(Fixture("externalcontact_add_corp_tag.json")));
  REQUIRE(added.ok());
  CHECK(added->name == "开发1组");
  CHECK(added->order == 1);
  REQUIRE(added->tags.size() == 2);
  CHECK(added->tags[1].id == "etm7wjCgAAD5hhvyfhPUpBbCs0CYuQMg");
  CHECK(added->tags[1].name == "小菜");
}

TEST_CASE("group chat fixtures") {
  auto page = DecodeGroupChatPage(Body(Fixture("externalcontact_groupchat_list.json")));
  REQUIRE(page.ok());
  CHECK(page->chats.size() == 2);
  CHECK(page->next_cursor == "tJzlB9tdqfh-g7i_J-ehOz_TWcd7dSKa39_AqCIeMFw");
  auto chat = DecodeGroupChat(Body(Fixture("externalcontact_groupchat_get.json")));
  REQUIRE(chat.ok());
  CHECK(chat->owner == "ZhuShengBen");
  REQUIRE(chat->members.size() == 3);
  CHECK(chat->members[2].type == 2);
  CHECK(chat->members[2].unionid == "ozynqsulJFCZ2z1aYeS8h-nuasdAAA");
  CHECK(chat->member_version.empty());
}

TEST_CASE("contact way fixtures: add without qr_code, get as an array (old) or an object (new)") {
  auto created = DecodeContactWayCreated(Body(Fixture("externalcontact_add_contact_way.json")));
  REQUIRE(created.ok());
  CHECK(created->config_id == "42b34949e138eb6e027c123cba77fad7");
  CHECK(created->qr_code.empty());
  auto old_shape = DecodeContactWay(Body(Fixture("externalcontact_get_contact_way.json")));
  REQUIRE(old_shape.ok());
  CHECK(old_shape->state == "teststate");
  CHECK(old_shape->style == 2);
  auto new_shape = DecodeContactWay(Body(R"({"errcode":0,"contact_way":{"config_id":"c1","state":"aff1","user":["zhangsan"],"skip_verify":false}})"));
  REQUIRE(new_shape.ok());
  CHECK(new_shape->config_id == "c1");
  CHECK(new_shape->user == std::vector<std::string>{"zhangsan"});
  CHECK_FALSE(new_shape->skip_verify);
}

TEST_CASE("add_msg_template fixture") {
  auto r = DecodeMsgTemplateResult(Body(Fixture("externalcontact_add_msg_template.json")));
  REQUIRE(r.ok());
  CHECK(r->msgid == "msgGCAAAXtWyujaWJHDDGi0mACas1w");
  CHECK(r->fail_list == std::vector<std::string>{"wmqfasd1e19278asdasdasd"});
}

TEST_CASE("numbers as strings and strings as numbers are accepted") {
  auto env = ReadEnvelope("x", Body(R"({"errcode":"45009","errmsg":"busy"})"));
  REQUIRE(env.ok());
  CHECK(env->errcode == 45009);
  auto page = DecodeRelationshipPage(Body(
      R"({"external_contact_list":[{"external_contact":{"external_userid":"wm1","gender":"1"},)"
      R"("follow_info":{"userid":"u1","createtime":"1700000000","add_way":"1","remark_mobiles":[13800000001]}}]})"));
  REQUIRE(page.ok());
  CHECK(page->relationships[0].createtime == 1700000000);
  CHECK(page->relationships[0].add_way == 1);
  CHECK(page->relationships[0].remark_mobiles == std::vector<std::string>{"13800000001"});
  auto token = DecodeToken(Body(R"({"access_token":"t","expires_in":"600"})"));
  REQUIRE(token.ok());
  CHECK(token->expires_in == 600);
}

TEST_CASE("bad bodies and wrong shapes give an error naming the endpoint and the field") {
  struct Case {
    const char* body;
    const char* expected;
  };
  // Not JSON, or not an object: transient (retried).
  for (const char* text : {"not json", "", "[1,2]", "{\"errcode\":0", "<html>502 Bad Gateway</html>"}) {
    CAPTURE(text);
    auto r = ParseBody("mark_tag", 200, text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().klass == ErrorClass::kTransient);
    CHECK(r.error().message.find("WeCom mark_tag: the response is not a JSON object") == 0);
  }
  Case cases[] = {
      {R"({"tag_group":"x"})", "WeCom get_corp_tag_list: unexpected response: field 'tag_group' is a string, expected an array"},
      {R"({"tag_group":[1]})", "WeCom get_corp_tag_list: unexpected response: field 'tag_group[]' is a number, expected an object"},
      {R"({"tag_group":[{"group_id":"g","order":"high"}]})",
       "WeCom get_corp_tag_list: unexpected response: field 'order' is \"high\", expected a number"},
      {R"({"tag_group":[{"group_id":{"a":1}}]})",
       "WeCom get_corp_tag_list: unexpected response: field 'group_id' is an object, expected a string"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    auto r = DecodeTagGroups(Body(c.body));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == c.expected);
    CHECK(r.error().endpoint == "get_corp_tag_list");
  }
  auto env = ReadEnvelope("list", Body(R"({"errcode":"oops"})"));
  REQUIRE_FALSE(env.ok());
  CHECK(env.error().message == "WeCom list: unexpected response: field 'errcode' is \"oops\", expected a number");
  auto token = DecodeToken(Body(R"({"errcode":0})"));
  REQUIRE_FALSE(token.ok());
  CHECK(token.error().message.find("access_token") != std::string::npos);
  auto cw = DecodeContactWay(Body(R"({"contact_way":[]})"));
  REQUIRE_FALSE(cw.ok());
}

TEST_CASE("request bodies are raw UTF-8, never \\u escapes") {
  AddCorpTagRequest add{"", "会籍阶段", 10u, {{"待转会员", std::nullopt}, {"Churn\"risk", 2u}}};
  std::string s = Serialize(EncodeAddCorpTag(add));
  CHECK(s == R"({"group_name":"会籍阶段","order":10,"tag":[{"name":"待转会员"},{"name":"Churn\"risk","order":2}]})");
  CHECK(s.find("\\u") == std::string::npos);
  // With a group_id the group name is not sent, and an empty group_id is never sent.
  add.group_id = "etG";
  CHECK(Serialize(EncodeAddCorpTag(add)).find("group_name") == std::string::npos);
  MarkTagRequest mark{"zhangsan", "wm1", {"etA"}, {}};
  CHECK(Serialize(EncodeMarkTag(mark)) == R"({"userid":"zhangsan","external_userid":"wm1","add_tag":["etA"]})");
  MsgTemplate msg;
  msg.sender = "zhangsan";
  msg.tag_filter = {{"etA", "etB"}, {"etC"}};
  msg.text = "新年转会员指南";
  msg.links = {{"转会员指南", "https://example.org/convert", "", ""}};
  CHECK(Serialize(EncodeMsgTemplate(msg)) ==
        R"({"chat_type":"single","tag_filter":{"group_list":[{"tag_list":["etA","etB"]},{"tag_list":["etC"]}]},)"
        R"("sender":"zhangsan","allow_select":false,"text":{"content":"新年转会员指南"},)"
        R"("attachments":[{"msgtype":"link","link":{"title":"转会员指南","url":"https://example.org/convert"}}]})");
  GroupChatListRequest gl;
  gl.owner_userids = {"abel"};
  CHECK(Serialize(EncodeGroupChatList(gl)) ==
        R"({"status_filter":0,"owner_filter":{"userid_list":["abel"]},"cursor":"","limit":1000})");
  CHECK(UrlEscape("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
}

}  // namespace segsync::wecom
