// Plain value types for WeCom requests and results (wecom-api.md §2-§7). No JSON, no I/O.
// Strings are UTF-8. Times are unix seconds. Fields a response leaves out stay empty / 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace segsync::wecom {

// The answer of an endpoint whose payload is only the envelope.
struct Ok {};

// --- customers (§5) ---

// One (member, customer) relationship: a row of batch/get_by_user. Tags live here, not on
// the customer (§4).
struct Relationship {
  std::string userid;           // the member of staff (follow user)
  std::string external_userid;  // the customer
  std::string unionid;          // empty unless WeChat open platform is bound
  std::string name;             // the customer's name
  std::string state;            // the contact-me channel code, ≤30 chars
  std::vector<std::string> remark_mobiles;  // typed by the member; numbers in old shapes
  std::string remark;
  std::int64_t createtime = 0;
  int add_way = 0;
  std::vector<std::string> tag_ids;  // corp and rule-group tags (no personal tags)
};

struct RelationshipPage {
  std::vector<Relationship> relationships;
  std::string next_cursor;  // empty: no more pages
};

struct FollowUserTag {
  std::string group_name;
  std::string tag_name;
  std::string tag_id;  // empty for personal tags and in old response shapes
  int type = 0;        // 1 corp, 2 personal, 3 rule group
};

struct FollowUser {
  std::string userid;
  std::string remark;
  std::string description;
  std::int64_t createtime = 0;
  std::vector<FollowUserTag> tags;
  std::string remark_corp_name;  // also read from the old name remark_company
  std::vector<std::string> remark_mobiles;
  int add_way = 0;
  std::string oper_userid;
  std::string state;
};

struct ExternalContact {
  std::string external_userid;
  std::string name;
  int type = 0;  // 1 WeChat, 2 WeCom
  int gender = 0;
  std::string unionid;
  std::string corp_name;
  std::string corp_full_name;
};

struct ExternalContactDetail {
  ExternalContact contact;
  std::vector<FollowUser> follow_users;
  std::string next_cursor;  // more than 500 follow users
};

// --- corp tags (§3) ---

struct Tag {
  std::string id;
  std::string name;
  std::int64_t create_time = 0;
  std::uint32_t order = 0;
  bool deleted = false;
};

struct TagGroup {
  std::string group_id;
  std::string name;
  std::int64_t create_time = 0;
  std::uint32_t order = 0;
  bool deleted = false;
  std::vector<Tag> tags;
};

struct NewTag {
  std::string name;  // ≤30 chars
  std::optional<std::uint32_t> order;
};

// Either group_id (add to an existing group) or group_name (create or upsert by name); an
// empty group_id is never sent (WeCom rejects "group_id":"").
struct AddCorpTagRequest {
  std::string group_id;
  std::string group_name;
  std::optional<std::uint32_t> group_order;
  std::vector<NewTag> tags;
};

struct MarkTagRequest {
  std::string userid;
  std::string external_userid;
  std::vector<std::string> add_tag;
  std::vector<std::string> remove_tag;
};

// --- customer groups (§6) ---

struct GroupChatListRequest {
  std::vector<std::string> owner_userids;  // required, ≤100 (81017 otherwise on big corps)
  int status_filter = 0;
  std::string cursor;
  int limit = 1000;  // 1..1000
};

struct GroupChatRef {
  std::string chat_id;
  int status = 0;
};

struct GroupChatPage {
  std::vector<GroupChatRef> chats;
  std::string next_cursor;
};

struct GroupChatMember {
  std::string userid;  // member userid, or the customer's external_userid (type 2)
  int type = 0;        // 1 member, 2 external contact
  std::string unionid;
  std::int64_t join_time = 0;
  int join_scene = 0;
  std::string invitor;
  std::string group_nickname;
  std::string name;
  std::string state;  // the join_way state the member came in with
};

struct GroupChat {
  std::string chat_id;
  std::string name;
  std::string owner;
  std::int64_t create_time = 0;
  std::string notice;
  std::vector<GroupChatMember> members;
  std::vector<std::string> admins;
  std::string member_version;
};

// 「加入群聊」 config (§6.3). config_id is empty when adding.
struct JoinWay {
  std::string config_id;
  int scene = 2;  // 1 mini-program, 2 QR code
  std::string remark;
  int auto_create_room = 1;
  std::string room_base_name;
  int room_base_id = 0;
  std::vector<std::string> chat_id_list;  // 1..5
  std::string state;                      // ≤30 chars
  std::string qr_code;                    // read only
};

// 「联系我」 config (§6.5).
struct ContactWay {
  std::string config_id;  // read only
  int type = 1;           // 1 single member, 2 several
  int scene = 2;          // 1 mini-program, 2 QR code
  int style = 0;
  std::string remark;
  bool skip_verify = true;
  std::string state;  // ≤30 chars
  std::vector<std::string> user;
  std::vector<int> party;
  std::string qr_code;  // read only
};

struct ContactWayCreated {
  std::string config_id;
  std::string qr_code;
};

// --- mass messages (§7) ---

struct MsgLink {
  std::string title;
  std::string url;
  std::string picurl;
  std::string desc;
};

struct MsgTemplate {
  std::string chat_type = "single";  // "single" | "group"
  std::vector<std::string> external_userid;
  std::vector<std::string> chat_id_list;
  std::vector<std::vector<std::string>> tag_filter;  // OR inside an entry, AND across entries
  std::string sender;
  bool allow_select = false;
  std::string text;
  std::vector<MsgLink> links;  // attachments of msgtype "link" (≤9)
};

struct MsgTemplateResult {
  std::string msgid;
  std::vector<std::string> fail_list;
};

struct GroupMsgTask {
  std::string userid;
  int status = 0;  // 0 unsent, 2 sent
  std::int64_t send_time = 0;
};

struct GroupMsgTaskPage {
  std::vector<GroupMsgTask> tasks;
  std::string next_cursor;
};

struct GroupMsgSendResult {
  std::string external_userid;
  std::string chat_id;
  std::string userid;
  int status = 0;  // 0 unsent, 1 sent, 2 not a friend, 3 quota used
  std::int64_t send_time = 0;
};

struct GroupMsgSendResultPage {
  std::vector<GroupMsgSendResult> results;
  std::string next_cursor;
};

}  // namespace segsync::wecom
