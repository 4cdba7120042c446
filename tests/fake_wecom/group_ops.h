// Admin-side actions on customers, groups and messages that no WeCom API offers: a customer
// scans a 「联系我」 QR code or a join-way QR code, leaves a group, a member sends a mass
// message. Used by admin.cc under App's lock; they throw std::runtime_error on bad input.
#pragma once

#include <boost/json.hpp>

#include "world.h"

namespace segsync::fake {

// {"config_id","external_userid","unionid"[,"userid"]}: the customer adds the config's member
// (the first of its users, or "userid" if given) with the config's state and add_way 1.
boost::json::object ScanContactWay(World& w, const boost::json::object& body);
// {"chat_id"?,"owner","name"}: a customer group owned by a member; chat_id generated if absent.
boost::json::object AddGroupChat(World& w, const boost::json::object& body);
// {"config_id","external_userid"}: joins the first existing chat of the join way, recording
// the way's state and join_scene 3 (scanned the QR code). Or {"chat_id","external_userid"}.
boost::json::object JoinGroup(World& w, const boost::json::object& body);
// {"chat_id","external_userid"}
boost::json::object LeaveGroup(World& w, const boost::json::object& body);
// {"msgid","userid","external_userid"|"chat_id","status"} or {"msgid","userid","task_status"}
boost::json::object SetSendResult(World& w, const boost::json::object& body);

}  // namespace segsync::fake
