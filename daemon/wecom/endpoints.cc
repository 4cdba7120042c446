// The typed WeCom calls: build the request, Invoke, decode the payload.
#include <algorithm>
#include <iterator>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wecom/client_impl.h"

namespace segsync::wecom {

namespace json = boost::json;
using Client = WecomClient;

namespace {

Endpoint Ext(std::string name, bool post = true) { return Endpoint{name, "/cgi-bin/externalcontact/" + name, post}; }

ApiError Invalid(const std::string& endpoint, std::string what) {
  ApiError e;
  e.code = ErrorCode::kInvalidInput;
  e.klass = ErrorClass::kClientBug;
  e.endpoint = endpoint;
  e.message = "WeCom " + endpoint + ": not sent: " + what;
  return e;
}

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

Client::Call<std::vector<std::string>> Client::GetFollowUserList() {
  auto r = co_await impl_->Invoke(Ext("get_follow_user_list", false), "", "");
  if (!r) co_return r.error();
  co_return DecodeStringList("get_follow_user_list", *r, "follow_user");
}

Client::Call<std::vector<std::string>> Client::ListExternalContacts(std::string userid) {
  auto r = co_await impl_->Invoke(Ext("list", false), "userid=" + UrlEscape(userid), "");
  if (!r) {
    if (r.error().errcode == 84061) co_return std::vector<std::string>{};  // a member without customers
    co_return r.error();
  }
  co_return DecodeStringList("list", *r, "external_userid");
}

Client::Call<ExternalContactDetail> Client::GetExternalContact(std::string external_userid, std::string cursor) {
  std::string query = "external_userid=" + UrlEscape(external_userid);
  if (!cursor.empty()) query += "&cursor=" + UrlEscape(cursor);
  auto r = co_await impl_->Invoke(Ext("get", false), std::move(query), "");
  if (!r) co_return r.error();
  co_return DecodeExternalContactDetail(*r);
}

Client::Call<RelationshipPage> Client::BatchGetByUser(std::vector<std::string> userids, std::string cursor, int limit) {
  if (userids.empty() || userids.size() > 100) {
    co_return Invalid("batch/get_by_user", "userid_list must hold 1 to 100 userids, not " + std::to_string(userids.size()));
  }
  limit = std::clamp(limit, 1, 100);
  json::object body{{"userid_list", ToArray(userids)}, {"cursor", cursor}, {"limit", limit}};
  auto r = co_await impl_->Invoke(Ext("batch/get_by_user"), "", Serialize(body));
  if (!r) co_return r.error();
  auto page = DecodeRelationshipPage(*r);
  // Old response shapes leave follow_info.userid out; with one member it is known.
  if (page && userids.size() == 1) {
    for (auto& rel : page->relationships) {
      if (rel.userid.empty()) rel.userid = userids[0];
    }
  }
  co_return page;
}

namespace {

// One group of members: its cursor pages one after another (each page needs the last cursor).
struct RelationshipChain {
  std::size_t index = 0;
  std::vector<std::string> userids;
  std::optional<ApiError> error;
};

boost::asio::awaitable<void> ReadChain(Client& client, RelationshipChain& chain, const bool& failed,
                                       const Client::RelationshipSink& sink) {
  constexpr int kMaxPages = 1000000;  // a cursor that never ends must not loop forever
  std::string cursor;
  for (int page = 0; !failed; ++page) {
    if (page >= kMaxPages) {
      chain.error = Invalid("batch/get_by_user", "the cursor did not end after " + std::to_string(kMaxPages) + " pages");
      co_return;
    }
    auto r = co_await client.BatchGetByUser(chain.userids, cursor, 100);
    if (!r) {
      chain.error = r.error();
      co_return;
    }
    if (failed) co_return;  // another chain failed meanwhile: the caller discards everything
    sink(chain.index, r->relationships);
    if (r->next_cursor.empty()) co_return;
    if (r->next_cursor == cursor) {
      chain.error = Invalid("batch/get_by_user", "WeCom returned the same cursor twice");
      co_return;
    }
    cursor = std::move(r->next_cursor);
  }
}

}  // namespace

// The read is bound by round trips, not by the rate limit: one cursor chain per group of
// members, and at least max_in_flight groups (fewer members per call costs at most one
// partial page per group), so the chains overlap.
Client::Call<Ok> Client::ReadAllRelationships(std::vector<std::string> userids, RelationshipSink sink) {
  if (userids.empty()) co_return Ok{};
  constexpr std::size_t kMembersPerCall = 100;
  std::size_t n = userids.size();
  std::size_t wanted = std::max<std::size_t>((n + kMembersPerCall - 1) / kMembersPerCall,
                                             std::min<std::size_t>(n, std::max(1, impl_->options.max_in_flight)));
  std::size_t per_chain = (n + wanted - 1) / wanted;
  std::vector<RelationshipChain> chains;
  for (std::size_t start = 0; start < n; start += per_chain)
    chains.push_back({chains.size(),
                      {userids.begin() + static_cast<std::ptrdiff_t>(start),
                       userids.begin() + static_cast<std::ptrdiff_t>(std::min(n, start + per_chain))},
                      {}});

  bool failed = false;  // the first error stops the other chains at their next page
  std::size_t remaining = chains.size();
  boost::asio::steady_timer all_done(impl_->io, boost::asio::steady_timer::time_point::max());
  for (auto& chain : chains) {
    boost::asio::co_spawn(impl_->io, ReadChain(*this, chain, failed, sink), [&](std::exception_ptr e) {
      if (e && !chain.error) chain.error = Invalid("batch/get_by_user", "internal error while reading");
      if (chain.error) failed = true;
      if (--remaining == 0) all_done.cancel();
    });
  }
  boost::system::error_code ec;
  co_await all_done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  for (auto& chain : chains)
    if (chain.error) co_return *chain.error;
  co_return Ok{};
}

Client::Call<std::vector<Relationship>> Client::GetAllRelationships(std::vector<std::string> userids) {
  std::vector<std::vector<Relationship>> groups;
  auto read = co_await ReadAllRelationships(std::move(userids), [&](std::size_t g, std::vector<Relationship>& page) {
    if (groups.size() <= g) groups.resize(g + 1);
    std::move(page.begin(), page.end(), std::back_inserter(groups[g]));
  });
  if (!read) co_return read.error();
  std::vector<Relationship> all;
  for (auto& g : groups) {
    if (all.empty()) all = std::move(g);
    else std::move(g.begin(), g.end(), std::back_inserter(all));
  }
  co_return all;
}

Client::Call<std::vector<TagGroup>> Client::GetCorpTagList(std::vector<std::string> tag_ids,
                                                           std::vector<std::string> group_ids) {
  json::object body;
  if (!tag_ids.empty()) body["tag_id"] = ToArray(tag_ids);
  if (!group_ids.empty()) body["group_id"] = ToArray(group_ids);
  auto r = co_await impl_->Invoke(Ext("get_corp_tag_list"), "", Serialize(body));
  if (!r) co_return r.error();
  co_return DecodeTagGroups(*r);
}

Client::Call<TagGroup> Client::AddCorpTag(AddCorpTagRequest request) {
  if (request.tags.empty()) co_return Invalid("add_corp_tag", "no tag to add");
  if (request.group_id.empty() && request.group_name.empty()) co_return Invalid("add_corp_tag", "neither group_id nor group_name");
  auto r = co_await impl_->Invoke(Ext("add_corp_tag"), "", Serialize(EncodeAddCorpTag(request)));
  if (!r) co_return r.error();
  co_return DecodeAddedTagGroup(*r);
}

Client::Call<Ok> Client::EditCorpTag(std::string id, std::string name, std::optional<std::uint32_t> order) {
  json::object body{{"id", id}};
  if (!name.empty()) body["name"] = name;
  if (order) body["order"] = *order;
  auto r = co_await impl_->Invoke(Ext("edit_corp_tag"), "", Serialize(body));
  if (!r) co_return r.error();
  co_return Ok{};
}

Client::Call<Ok> Client::DelCorpTag(std::vector<std::string> tag_ids, std::vector<std::string> group_ids) {
  if (tag_ids.empty() && group_ids.empty()) co_return Invalid("del_corp_tag", "no tag_id and no group_id");
  json::object body;
  if (!tag_ids.empty()) body["tag_id"] = ToArray(tag_ids);
  if (!group_ids.empty()) body["group_id"] = ToArray(group_ids);
  auto r = co_await impl_->Invoke(Ext("del_corp_tag"), "", Serialize(body));
  if (!r) co_return r.error();
  co_return Ok{};
}

Client::Call<Ok> Client::MarkTag(MarkTagRequest request) {
  if (request.add_tag.empty() && request.remove_tag.empty()) co_return Invalid("mark_tag", "add_tag and remove_tag are both empty");
  auto r = co_await impl_->Invoke(Ext("mark_tag"), "", Serialize(EncodeMarkTag(request)));
  if (!r) co_return r.error();
  co_return Ok{};
}

Client::Call<GroupChatPage> Client::ListGroupChats(GroupChatListRequest request) {
  if (request.owner_userids.empty() || request.owner_userids.size() > 100) {
    co_return Invalid("groupchat/list", "owner_filter must hold 1 to 100 userids, not " +
                                            std::to_string(request.owner_userids.size()));
  }
  request.limit = std::clamp(request.limit, 1, 1000);
  auto r = co_await impl_->Invoke(Ext("groupchat/list"), "", Serialize(EncodeGroupChatList(request)));
  if (!r) co_return r.error();
  co_return DecodeGroupChatPage(*r);
}

Client::Call<std::vector<GroupChatRef>> Client::ListAllGroupChats(std::vector<std::string> owner_userids,
                                                                  int status_filter) {
  std::vector<GroupChatRef> all;
  for (std::size_t start = 0; start < owner_userids.size(); start += 100) {
    GroupChatListRequest req;
    req.owner_userids.assign(owner_userids.begin() + start,
                             owner_userids.begin() + std::min(owner_userids.size(), start + 100));
    req.status_filter = status_filter;
    for (;;) {
      auto r = co_await ListGroupChats(req);
      if (!r) co_return r.error();
      for (auto& c : r->chats) all.push_back(std::move(c));
      if (r->next_cursor.empty()) break;
      if (r->next_cursor == req.cursor) co_return Invalid("groupchat/list", "WeCom returned the same cursor twice");
      req.cursor = std::move(r->next_cursor);
    }
  }
  co_return all;
}

Client::Call<GroupChat> Client::GetGroupChat(std::string chat_id, bool need_name) {
  json::object body{{"chat_id", chat_id}, {"need_name", need_name ? 1 : 0}};
  auto r = co_await impl_->Invoke(Ext("groupchat/get"), "", Serialize(body));
  if (!r) co_return r.error();
  co_return DecodeGroupChat(*r);
}

Client::Call<std::string> Client::AddJoinWay(JoinWay way) {
  if (way.chat_id_list.empty() || way.chat_id_list.size() > 5) {
    co_return Invalid("groupchat/add_join_way", "chat_id_list must hold 1 to 5 chats");
  }
  auto r = co_await impl_->Invoke(Ext("groupchat/add_join_way"), "", Serialize(EncodeJoinWay(way, false)));
  if (!r) co_return r.error();
  co_return DecodeConfigId("groupchat/add_join_way", *r);
}

Client::Call<JoinWay> Client::GetJoinWay(std::string config_id) {
  std::string body = Serialize(json::object{{"config_id", config_id}});
  auto r = co_await impl_->Invoke(Ext("groupchat/get_join_way"), "", std::move(body));
  if (!r) co_return r.error();
  co_return DecodeJoinWay(*r);
}

Client::Call<Ok> Client::UpdateJoinWay(JoinWay way) {
  if (way.config_id.empty()) co_return Invalid("groupchat/update_join_way", "config_id is empty");
  auto r = co_await impl_->Invoke(Ext("groupchat/update_join_way"), "", Serialize(EncodeJoinWay(way, true)));
  if (!r) co_return r.error();
  co_return Ok{};
}

Client::Call<Ok> Client::DelJoinWay(std::string config_id) {
  std::string body = Serialize(json::object{{"config_id", config_id}});
  auto r = co_await impl_->Invoke(Ext("groupchat/del_join_way"), "", std::move(body));
  if (!r) co_return r.error();
  co_return Ok{};
}

Client::Call<ContactWayCreated> Client::AddContactWay(ContactWay way) {
  auto r = co_await impl_->Invoke(Ext("add_contact_way"), "", Serialize(EncodeContactWay(way)));
  if (!r) co_return r.error();
  co_return DecodeContactWayCreated(*r);
}

Client::Call<ContactWay> Client::GetContactWay(std::string config_id) {
  std::string body = Serialize(json::object{{"config_id", config_id}});
  auto r = co_await impl_->Invoke(Ext("get_contact_way"), "", std::move(body));
  if (!r) co_return r.error();
  co_return DecodeContactWay(*r);
}

Client::Call<Ok> Client::DelContactWay(std::string config_id) {
  std::string body = Serialize(json::object{{"config_id", config_id}});
  auto r = co_await impl_->Invoke(Ext("del_contact_way"), "", std::move(body));
  if (!r) co_return r.error();
  co_return Ok{};
}

Client::Call<MsgTemplateResult> Client::AddMsgTemplate(MsgTemplate message) {
  auto r = co_await impl_->Invoke(Ext("add_msg_template"), "", Serialize(EncodeMsgTemplate(message)));
  if (!r) co_return r.error();
  co_return DecodeMsgTemplateResult(*r);
}

Client::Call<GroupMsgTaskPage> Client::GetGroupMsgTask(std::string msgid, std::string cursor, int limit) {
  json::object body{{"msgid", msgid}, {"limit", std::clamp(limit, 1, 1000)}};
  if (!cursor.empty()) body["cursor"] = cursor;
  auto r = co_await impl_->Invoke(Ext("get_groupmsg_task"), "", Serialize(body));
  if (!r) co_return r.error();
  co_return DecodeGroupMsgTaskPage(*r);
}

Client::Call<GroupMsgSendResultPage> Client::GetGroupMsgSendResult(std::string msgid, std::string userid,
                                                                   std::string cursor, int limit) {
  json::object body{{"msgid", msgid}, {"userid", userid}, {"limit", std::clamp(limit, 1, 1000)}};
  if (!cursor.empty()) body["cursor"] = cursor;
  auto r = co_await impl_->Invoke(Ext("get_groupmsg_send_result"), "", Serialize(body));
  if (!r) co_return r.error();
  co_return DecodeGroupMsgSendResultPage(*r);
}

}  // namespace segsync::wecom
