#include "wecom/callback_event.h"

#include <expat.h>

#include <charconv>
#include <memory>

#include <fmt/format.h>

namespace segsync::wecom {

namespace {

struct ParseState {
  XML_Parser parser = nullptr;
  int depth = 0;
  int elements = 0;
  std::string current;  // the child of <xml> being read (depth 2), empty otherwise
  std::string text;
  std::map<std::string, std::string> fields;
  std::string error;  // set when a handler stops the parser
};

void Stop(ParseState* s, std::string why) {
  if (s->error.empty()) s->error = std::move(why);
  XML_StopParser(s->parser, XML_FALSE);
}

void XMLCALL OnStart(void* data, const XML_Char* name, const XML_Char**) {
  auto* s = static_cast<ParseState*>(data);
  ++s->depth;
  if (++s->elements > kMaxXmlElements) return Stop(s, fmt::format("more than {} elements", kMaxXmlElements));
  if (s->depth > kMaxXmlDepth) return Stop(s, fmt::format("nested deeper than {} levels", kMaxXmlDepth));
  if (s->depth == 1 && std::string_view(name) != "xml")
    return Stop(s, fmt::format("the root element is <{}>, not <xml>", std::string_view(name).substr(0, 64)));
  if (s->depth == 2) {
    s->current = name;
    s->text.clear();
  }
}

void XMLCALL OnEnd(void* data, const XML_Char*) {
  auto* s = static_cast<ParseState*>(data);
  if (s->depth == 2) {
    s->fields.try_emplace(s->current, std::move(s->text));
    s->current.clear();
    s->text.clear();
  }
  --s->depth;
}

void XMLCALL OnText(void* data, const XML_Char* text, int len) {
  auto* s = static_cast<ParseState*>(data);
  if (s->depth != 2) return;  // text of <xml> itself (whitespace) and of deeper elements
  if (s->text.size() + static_cast<size_t>(len) > kMaxXmlFieldBytes)
    return Stop(s, fmt::format("<{}> is longer than {} bytes", s->current, kMaxXmlFieldBytes));
  s->text.append(text, static_cast<size_t>(len));
}

void XMLCALL OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  Stop(static_cast<ParseState*>(data), "a DOCTYPE is not allowed");
}

void XMLCALL OnEntityDecl(void* data, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                          const XML_Char*, const XML_Char*, const XML_Char*) {
  Stop(static_cast<ParseState*>(data), "entity declarations are not allowed");
}

CallbackError Malformed(std::string message) {
  return {CallbackRefusal::kMalformedXml, std::move(message)};
}

std::string Get(const std::map<std::string, std::string>& f, const char* key) {
  auto it = f.find(key);
  return it == f.end() ? std::string() : it->second;
}

}  // namespace

CallbackResult<std::map<std::string, std::string>> ParseXmlFields(std::string_view xml) {
  if (xml.size() > kMaxXmlBytes)
    return CallbackError{CallbackRefusal::kTooLarge,
                         fmt::format("XML of {} bytes is over the cap of {}", xml.size(), kMaxXmlBytes)};
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(
      XML_ParserCreate("UTF-8"), XML_ParserFree);
  if (!parser) return Malformed("cannot create an XML parser");
  ParseState s;
  s.parser = parser.get();
  XML_SetUserData(parser.get(), &s);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), OnDoctype);
  XML_SetEntityDeclHandler(parser.get(), OnEntityDecl);
  XML_Status st = XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE);
  if (st != XML_STATUS_OK || !s.error.empty()) {
    std::string why = s.error.empty() ? XML_ErrorString(XML_GetErrorCode(parser.get())) : s.error;
    return Malformed(fmt::format("{}:{}: {}", XML_GetCurrentLineNumber(parser.get()),
                                 XML_GetCurrentColumnNumber(parser.get()) + 1, why));
  }
  return std::move(s.fields);
}

CallbackResult<CallbackEnvelope> ParseEnvelope(std::string_view xml) {
  auto fields = ParseXmlFields(xml);
  if (!fields) return fields.error();
  CallbackEnvelope e{Get(*fields, "ToUserName"), Get(*fields, "Encrypt"), Get(*fields, "AgentID")};
  if (e.encrypt.empty()) return Malformed("the body has no <Encrypt> element");
  return e;
}

std::string CallbackEvent::TypeLabel() const {
  if (event == "change_external_contact" && !change_type.empty()) return change_type;
  return event.empty() ? "unknown" : event;
}

std::string CallbackEvent::DedupKey() const {
  return fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", event, change_type, create_time, user_id,
                     external_user_id, tag_id, from_user_name);
}

CallbackResult<CallbackEvent> ParseEvent(std::string_view xml) {
  auto fields = ParseXmlFields(xml);
  if (!fields) return fields.error();
  const auto& f = *fields;
  CallbackEvent e;
  e.to_user_name = Get(f, "ToUserName");
  e.from_user_name = Get(f, "FromUserName");
  e.msg_type = Get(f, "MsgType");
  e.event = Get(f, "Event");
  e.change_type = Get(f, "ChangeType");
  e.user_id = Get(f, "UserID");
  e.external_user_id = Get(f, "ExternalUserID");
  e.state = Get(f, "State");
  e.welcome_code = Get(f, "WelcomeCode");
  e.source = Get(f, "Source");
  e.tag_id = Get(f, "Id");
  e.tag_type = Get(f, "TagType");
  e.strategy_id = Get(f, "StrategyId");
  if (e.msg_type != "event") return Malformed(fmt::format("<MsgType> is '{}', not 'event'", e.msg_type.substr(0, 32)));
  if (e.event.empty()) return Malformed("no <Event>");
  std::string ct = Get(f, "CreateTime");
  auto [end, ec] = std::from_chars(ct.data(), ct.data() + ct.size(), e.create_time);
  if (ct.empty() || ec != std::errc() || end != ct.data() + ct.size())
    return Malformed(fmt::format("<CreateTime> '{}' is not a number", ct.substr(0, 32)));
  if (e.event == "change_external_contact") {
    if (e.user_id.empty() || e.external_user_id.empty())
      return Malformed("change_external_contact without <UserID> or <ExternalUserID>");
    if (e.change_type == "add_external_contact" || e.change_type == "add_half_external_contact")
      e.kind = CallbackEventKind::kAddExternalContact;
    else if (e.change_type == "edit_external_contact") e.kind = CallbackEventKind::kEditExternalContact;
    else if (e.change_type == "del_external_contact") e.kind = CallbackEventKind::kDelExternalContact;
    else if (e.change_type == "del_follow_user") e.kind = CallbackEventKind::kDelFollowUser;
  } else if (e.event == "change_external_tag") {
    e.kind = CallbackEventKind::kChangeExternalTag;
  }
  return e;
}

}  // namespace segsync::wecom
