// Fuzzes the WeCom response decoding: the body parser, the envelope, and every payload
// decoder on the same object (a hostile or broken server must give an ApiError, never a
// crash).
#include <cstdint>
#include <string_view>

#include "wecom/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace segsync::wecom;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseBody("fuzz", 200, body);
  if (!parsed) {
    if (parsed.error().message.empty()) __builtin_trap();
    return 0;
  }
  const boost::json::object& o = *parsed;
  (void)ReadEnvelope("fuzz", o);
  (void)DecodeToken(o);
  (void)DecodeStringList("fuzz", o, "follow_user");
  (void)DecodeExternalContactDetail(o);
  (void)DecodeRelationshipPage(o);
  (void)DecodeTagGroups(o);
  (void)DecodeAddedTagGroup(o);
  (void)DecodeGroupChatPage(o);
  (void)DecodeGroupChat(o);
  (void)DecodeConfigId("fuzz", o);
  (void)DecodeJoinWay(o);
  (void)DecodeContactWayCreated(o);
  (void)DecodeContactWay(o);
  (void)DecodeMsgTemplateResult(o);
  (void)DecodeGroupMsgTaskPage(o);
  (void)DecodeGroupMsgSendResultPage(o);
  return 0;
}
