// The XML of WeCom callbacks, parsed with expat (no DTD, no entities, bounded):
//   the POST body (envelope): <xml><ToUserName/><Encrypt/><AgentID/></xml>
//   the decrypted event:      <xml><ToUserName/><FromUserName/><CreateTime/><MsgType>event</MsgType>
//                             <Event/><ChangeType/><UserID/><ExternalUserID/><State/>...</xml>
// Only the direct children of <xml> are read (text and CDATA joined); deeper elements are
// allowed but ignored. Refused (CallbackRefusal::kMalformedXml, with line:column): not
// well-formed, a root other than <xml>, any DOCTYPE, over kMaxXmlBytes, deeper than
// kMaxXmlDepth, more than kMaxXmlElements elements, a field over kMaxXmlFieldBytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "wecom/callback_crypto.h"

namespace segsync::wecom {

inline constexpr size_t kMaxXmlBytes = 64 * 1024;
inline constexpr int kMaxXmlDepth = 8;
inline constexpr int kMaxXmlElements = 256;
inline constexpr size_t kMaxXmlFieldBytes = 8 * 1024;

// The direct children of <xml>: name -> text (the first occurrence wins).
CallbackResult<std::map<std::string, std::string>> ParseXmlFields(std::string_view xml);

struct CallbackEnvelope {
  std::string to_user_name;
  std::string encrypt;
  std::string agent_id;
};
// Requires a non-empty <Encrypt>.
CallbackResult<CallbackEnvelope> ParseEnvelope(std::string_view xml);

enum class CallbackEventKind {
  kAddExternalContact,   // change_external_contact / add_external_contact (and add_half_...)
  kEditExternalContact,
  kDelExternalContact,   // the member deleted the customer
  kDelFollowUser,        // the customer deleted the member
  kChangeExternalTag,    // the tag library changed (create/update/delete/shuffle)
  kOther,                // anything else: acknowledged and ignored
};

struct CallbackEvent {
  CallbackEventKind kind = CallbackEventKind::kOther;
  std::string to_user_name, from_user_name, msg_type, event, change_type;
  int64_t create_time = 0;
  std::string user_id, external_user_id, state, welcome_code, source;
  std::string tag_id, tag_type, strategy_id;  // change_external_tag: Id, TagType, StrategyId

  // "add_external_contact", "del_follow_user", "change_external_tag", or the Event name:
  // the `type` label of segsync_callback_events_total.
  std::string TypeLabel() const;
  // Identifies one event across WeCom's retries (which re-sign with a new nonce).
  std::string DedupKey() const;
};
// Requires <MsgType>event</MsgType>, an <Event>, a numeric <CreateTime>; a
// change_external_contact needs <UserID> and <ExternalUserID>.
CallbackResult<CallbackEvent> ParseEvent(std::string_view xml);

}  // namespace segsync::wecom
