// The callback XML: envelopes and events parsed with expat, bad XML refused with a position.
#include "wecom/callback_event.h"

#include <doctest/doctest.h>

namespace segsync::wecom {

TEST_CASE("callback xml - the POST envelope") {
  auto e = ParseEnvelope(
      "<xml> <ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA[abc+/=]]></Encrypt>\n"
      "<AgentID><![CDATA[1000002]]></AgentID>\n</xml>");
  REQUIRE_MESSAGE(e.ok(), e.error().message);
  CHECK(e->to_user_name == "ww1436e0e65a779aee");
  CHECK(e->encrypt == "abc+/=");
  CHECK(e->agent_id == "1000002");
  auto none = ParseEnvelope("<xml><ToUserName>x</ToUserName></xml>");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().reason == CallbackRefusal::kMalformedXml);
}

TEST_CASE("callback xml - change_external_contact events") {
  auto e = ParseEvent(
      "<xml><ToUserName><![CDATA[wwcorp]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
      "<CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType>"
      "<Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType>"
      "<UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA]]></ExternalUserID>"
      "<State><![CDATA[C1000007]]></State><WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode></xml>");
  REQUIRE_MESSAGE(e.ok(), e.error().message);
  CHECK(e->kind == CallbackEventKind::kAddExternalContact);
  CHECK(e->TypeLabel() == "add_external_contact");
  CHECK(e->create_time == 1403610513);
  CHECK(e->user_id == "zhangsan");
  CHECK(e->external_user_id == "woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA");
  CHECK(e->state == "C1000007");
  CHECK(e->welcome_code == "WELCOMECODE");

  struct Row {
    const char* change;
    CallbackEventKind kind;
  };
  for (Row r : {Row{"del_external_contact", CallbackEventKind::kDelExternalContact},
                Row{"del_follow_user", CallbackEventKind::kDelFollowUser},
                Row{"edit_external_contact", CallbackEventKind::kEditExternalContact},
                Row{"transfer_fail", CallbackEventKind::kOther}}) {
    std::string xml = std::string("<xml><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>change_external_contact</Event>"
                                  "<ChangeType>") + r.change + "</ChangeType><UserID>u</UserID><ExternalUserID>wm1</ExternalUserID></xml>";
    auto ev = ParseEvent(xml);
    REQUIRE_MESSAGE(ev.ok(), ev.error().message);
    CHECK(ev->kind == r.kind);
    CHECK(ev->TypeLabel() == r.change);
  }
  // The dedup key ignores nothing that tells two events apart, and is equal for a retry.
  auto a = ParseEvent("<xml><CreateTime>5</CreateTime><MsgType>event</MsgType><Event>change_external_contact</Event>"
                      "<ChangeType>del_follow_user</ChangeType><UserID>u</UserID><ExternalUserID>wm1</ExternalUserID></xml>");
  auto b = ParseEvent("<xml><CreateTime>6</CreateTime><MsgType>event</MsgType><Event>change_external_contact</Event>"
                      "<ChangeType>del_follow_user</ChangeType><UserID>u</UserID><ExternalUserID>wm1</ExternalUserID></xml>");
  CHECK(a->DedupKey() != b->DedupKey());
  CHECK(a->DedupKey() == ParseEvent("<xml> <CreateTime>5</CreateTime><MsgType>event</MsgType><Event>change_external_contact</Event>"
                                    "<ChangeType>del_follow_user</ChangeType><UserID>u</UserID><ExternalUserID>wm1</ExternalUserID></xml>")->DedupKey());
}

TEST_CASE("callback xml - change_external_tag") {
  auto e = ParseEvent("<xml><ToUserName>c</ToUserName><FromUserName>sys</FromUserName><CreateTime>9</CreateTime>"
                      "<MsgType>event</MsgType><Event>change_external_tag</Event><Id>etABC</Id>"
                      "<TagType>tag</TagType><ChangeType>delete</ChangeType></xml>");
  REQUIRE_MESSAGE(e.ok(), e.error().message);
  CHECK(e->kind == CallbackEventKind::kChangeExternalTag);
  CHECK(e->tag_id == "etABC");
  CHECK(e->tag_type == "tag");
  CHECK(e->TypeLabel() == "change_external_tag");
}

TEST_CASE("callback xml - malformed hostile and oversized XML is refused with a position") {
  struct Case {
    const char* name;
    std::string xml;
    CallbackRefusal reason;
    const char* says;
  };
  std::string deep = "<xml>";
  for (int i = 0; i < 10; ++i) deep += "<a>";
  for (int i = 0; i < 10; ++i) deep += "</a>";
  deep += "</xml>";
  std::string many = "<xml>";
  for (int i = 0; i < 300; ++i) many += "<a/>";
  many += "</xml>";
  const Case cases[] = {
      {"not closed", "<xml><Event>x</Event>", CallbackRefusal::kMalformedXml, "1:"},
      {"mismatched tag", "<xml><Event>x</Evnt></xml>", CallbackRefusal::kMalformedXml, "mismatched"},
      {"garbage", "hello", CallbackRefusal::kMalformedXml, "1:"},
      {"empty", "", CallbackRefusal::kMalformedXml, "1:"},
      {"other root", "<html><Event>x</Event></html>", CallbackRefusal::kMalformedXml, "not <xml>"},
      {"doctype", "<!DOCTYPE xml [<!ENTITY a \"aaaa\">]><xml><Event>&a;</Event></xml>", CallbackRefusal::kMalformedXml, "DOCTYPE"},
      {"too deep", deep, CallbackRefusal::kMalformedXml, "deeper"},
      {"too many elements", many, CallbackRefusal::kMalformedXml, "more than"},
      {"field too long", "<xml><Event>" + std::string(9000, 'x') + "</Event></xml>", CallbackRefusal::kMalformedXml, "longer than"},
      {"oversized", "<xml><Event>" + std::string(70 * 1024, 'x') + "</Event></xml>", CallbackRefusal::kTooLarge, "over the cap"},
      {"second line error", "<xml>\n<Event>x</Event>\n<<</xml>", CallbackRefusal::kMalformedXml, "3:"},
  };
  for (const auto& k : cases) {
    CAPTURE(k.name);
    auto r = ParseEvent(k.xml);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason == k.reason);
    CHECK_MESSAGE(r.error().message.find(k.says) != std::string::npos, r.error().message);
  }
  // Well-formed, but not an event we can use.
  for (const char* xml : {"<xml><MsgType>text</MsgType><CreateTime>1</CreateTime><Event>e</Event></xml>",
                          "<xml><MsgType>event</MsgType><CreateTime>x1</CreateTime><Event>e</Event></xml>",
                          "<xml><MsgType>event</MsgType><CreateTime>1</CreateTime></xml>",
                          "<xml><MsgType>event</MsgType><CreateTime>1</CreateTime><Event>change_external_contact</Event>"
                          "<ChangeType>add_external_contact</ChangeType><UserID>u</UserID></xml>"}) {
    CAPTURE(xml);
    auto r = ParseEvent(xml);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason == CallbackRefusal::kMalformedXml);
  }
}

}  // namespace segsync::wecom
