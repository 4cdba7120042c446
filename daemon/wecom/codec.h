// JSON <-> wecom types. Internal to daemon/wecom (and its tests): the rest of segsync sees
// only types.h.
//
// Parsing is lenient where WeCom's shapes drift (wecom-api.md §1, §5.3, fixtures README): a
// missing errcode is 0, numbers may come as strings and strings as numbers, remark_company is
// the old remark_corp_name, remark_mobiles may hold numbers, contact_way may be an array, tags
// may lack tag_id. A shape that cannot be read (an array where an object belongs, "abc" for a
// number) is an ApiError naming the endpoint and the field, never a crash.
//
// Serialising emits raw UTF-8 (Boost.JSON never writes \u escapes for non-ASCII text), which
// WeCom requires (errcode 40033 for \u escapes).
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "wecom/errors.h"
#include "wecom/types.h"

namespace segsync::wecom {

// Parses a response body into its top-level object. Not JSON, or not an object: an ApiError
// of class kTransient (an unparsable answer is retried) that names the endpoint and shows the
// start of the body.
ApiResult<boost::json::object> ParseBody(std::string_view endpoint, int http_status, std::string_view body);

// errcode (missing = 0, "45009" = 45009) and errmsg of an envelope. A non-numeric errcode is a
// kTransient ApiError.
struct Envelope {
  int errcode = 0;
  std::string errmsg;
};
ApiResult<Envelope> ReadEnvelope(std::string_view endpoint, const boost::json::object& body);

struct TokenInfo {
  std::string access_token;
  int expires_in = 0;
};

// Payload decoders: each returns an ApiError (class kUnknown, code kRemote) naming the endpoint
// and the field when the shape is wrong.
ApiResult<TokenInfo> DecodeToken(const boost::json::object& o);
ApiResult<std::vector<std::string>> DecodeStringList(std::string_view endpoint, const boost::json::object& o,
                                                     std::string_view key);
ApiResult<ExternalContactDetail> DecodeExternalContactDetail(const boost::json::object& o);
ApiResult<RelationshipPage> DecodeRelationshipPage(const boost::json::object& o);
ApiResult<std::vector<TagGroup>> DecodeTagGroups(const boost::json::object& o);     // get_corp_tag_list
ApiResult<TagGroup> DecodeAddedTagGroup(const boost::json::object& o);              // add_corp_tag
ApiResult<GroupChatPage> DecodeGroupChatPage(const boost::json::object& o);
ApiResult<GroupChat> DecodeGroupChat(const boost::json::object& o);
ApiResult<std::string> DecodeConfigId(std::string_view endpoint, const boost::json::object& o);
ApiResult<JoinWay> DecodeJoinWay(const boost::json::object& o);
ApiResult<ContactWayCreated> DecodeContactWayCreated(const boost::json::object& o);
ApiResult<ContactWay> DecodeContactWay(const boost::json::object& o);
ApiResult<MsgTemplateResult> DecodeMsgTemplateResult(const boost::json::object& o);
ApiResult<GroupMsgTaskPage> DecodeGroupMsgTaskPage(const boost::json::object& o);
ApiResult<GroupMsgSendResultPage> DecodeGroupMsgSendResultPage(const boost::json::object& o);

// Request bodies.
boost::json::object EncodeAddCorpTag(const AddCorpTagRequest& r);
boost::json::object EncodeMarkTag(const MarkTagRequest& r);
boost::json::object EncodeGroupChatList(const GroupChatListRequest& r);
boost::json::object EncodeJoinWay(const JoinWay& w, bool with_config_id);
boost::json::object EncodeContactWay(const ContactWay& w);
boost::json::object EncodeMsgTemplate(const MsgTemplate& m);

// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay).
std::string UrlEscape(std::string_view s);

// Serialises as compact raw-UTF-8 JSON.
std::string Serialize(const boost::json::object& o);

}  // namespace segsync::wecom
