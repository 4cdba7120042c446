// Customer group chats, 「加入群聊」 join ways and 「联系我」 contact ways (wecom-api.md §6).
// Plain data plus state (de)serialisation; the rules live in handlers_groups.cc and admin.cc.
// Ordered maps, so that groupchat/list pages in chat_id order. Not thread-safe.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace segsync::fake {

struct GroupMember {
  std::string userid;  // member userid (type 1) or external_userid (type 2)
  int type = 1;
  std::string unionid;
  std::int64_t join_time = 0;
  int join_scene = 1;  // 1 invited, 2 via link, 3 scanned the group QR code
  std::string invitor;
  std::string state;  // the join way's state the member came in with
  std::string group_nickname;
  std::string name;
};

struct GroupChat {
  std::string chat_id;
  std::string name;
  std::string owner;
  std::string notice;
  std::int64_t create_time = 0;
  int status = 0;
  std::vector<GroupMember> members;
  std::vector<std::string> admins;
  std::string member_version;  // changes whenever members change
};

struct JoinWay {
  std::string config_id;
  int scene = 2;
  std::string remark;
  int auto_create_room = 1;
  std::string room_base_name;
  std::int64_t room_base_id = 0;
  std::vector<std::string> chat_id_list;
  std::string state;
  std::string qr_code;
};

struct ContactWay {
  std::string config_id;
  int type = 1;
  int scene = 2;
  int style = 0;
  std::string remark;
  bool skip_verify = true;
  std::string state;
  std::vector<std::string> user;
  std::vector<std::int64_t> party;
  bool is_temp = false;
  std::int64_t expires_in = 0;
  std::int64_t chat_expires_in = 0;
  std::string qr_code;
};

struct GroupStore {
  std::map<std::string, GroupChat> chats;
  std::map<std::string, JoinWay> join_ways;
  std::map<std::string, ContactWay> contact_ways;

  static boost::json::object ChatJson(const GroupChat& g, bool with_names);
  static boost::json::object JoinWayJson(const JoinWay& j);
  static boost::json::object ContactWayJson(const ContactWay& c);

  boost::json::array ChatsState() const;
  boost::json::array JoinWaysState() const;
  boost::json::array ContactWaysState() const;
  void LoadState(const boost::json::array* chats, const boost::json::array* join_ways,
                 const boost::json::array* contact_ways);
};

}  // namespace segsync::fake
