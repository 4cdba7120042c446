// The admin API (fake-wecom-contract.md): fault injection, limits, tokens, state, stats, and
// the things people do in the WeCom client or console that the API cannot (scan a QR code,
// join a group, tag by hand). Runs under App's lock.
#include <algorithm>
#include <stdexcept>

#include "api_error.h"
#include "app.h"
#include "group_ops.h"

namespace segsync::fake {

namespace {

[[noreturn]] void Bad(const std::string& why) { throw std::runtime_error(why); }

std::string Need(const json::object& body, const char* key) {
  std::string v = GetString(body, key);
  if (v.empty()) Bad(std::string("field \"") + key + "\" is required");
  return v;
}

Fault ParseFault(const json::object& body) {
  int kinds = 0;
  Fault f;
  if (Has(body, "errcode")) {
    f = {Fault::Kind::kErrcode, static_cast<int>(GetInt(body, "errcode", 0)), {}};
    ++kinds;
  }
  if (Has(body, "http_status")) {
    f = {Fault::Kind::kHttpStatus, static_cast<int>(GetInt(body, "http_status", 0)), {}};
    if (f.value < 100 || f.value > 599) Bad("http_status must be 100..599");
    ++kinds;
  }
  if (Has(body, "delay_ms")) {
    f = {Fault::Kind::kDelay, static_cast<int>(GetInt(body, "delay_ms", 0)), {}};
    if (f.value < 0 || f.value > 600000) Bad("delay_ms must be 0..600000");
    ++kinds;
  }
  if (GetBool(body, "drop", false)) {
    f = {Fault::Kind::kDrop, 0, {}};
    ++kinds;
  }
  if (Has(body, "body")) {
    f = {Fault::Kind::kBody, 0, GetString(body, "body")};
    ++kinds;
  }
  if (kinds != 1) Bad("give exactly one of errcode, http_status, delay_ms, drop, body");
  return f;
}

}  // namespace

void App::SendAdded(const std::string& userid, const std::string& external_userid, const std::string& state) {
  std::vector<std::pair<std::string, std::string>> fields{{"Event", "change_external_contact"},
                                                          {"ChangeType", "add_external_contact"},
                                                          {"UserID", userid}, {"ExternalUserID", external_userid}};
  if (!state.empty()) fields.emplace_back("State", state);
  fields.emplace_back("WelcomeCode", "WELCOME" + external_userid);
  callbacks_.Send(std::move(fields));
}

json::object App::Admin(const std::string& name, const json::object& body) {
  World& w = world_;
  if (name == "state") return w.ToState();
  if (name == "stats") {
    json::object out = stats_.ToJson();
    json::object now;  // extension: the calls in flight right now
    for (const auto& [endpoint, n] : in_flight_)
      if (n > 0) now[endpoint] = n;
    out["in_flight"] = std::move(now);
    return out;
  }
  if (name == "reset_stats") {
    stats_.Reset();
    return {};
  }
  if (name == "fault") {
    std::string endpoint = Need(body, "endpoint");
    int count = static_cast<int>(GetInt(body, "count", 1));
    if (count < 1 || count > 1000000) Bad("count must be 1..1000000");
    faults_.Queue(endpoint, ParseFault(body), count);
    return {};
  }
  if (name == "clear_faults") {  // extension: forget queued and random faults and all limits
    faults_.Clear();
    limits_.Clear();
    return {};
  }
  if (name == "limit") {
    std::string endpoint = Need(body, "endpoint");
    bool any = false;
    if (Has(body, "per_minute")) {
      limits_.SetPerMinute(endpoint, static_cast<int>(GetInt(body, "per_minute", 0)),
                           static_cast<int>(GetInt(body, "block_seconds", 60)));
      any = true;
    }
    if (Has(body, "max_in_flight")) {
      limits_.SetMaxInFlight(endpoint, static_cast<int>(GetInt(body, "max_in_flight", 0)));
      any = true;
    }
    if (!any) Bad("give per_minute or max_in_flight");
    return {};
  }
  if (name == "seed_faults") {
    double rate = 0;
    if (auto it = body.find("rate"); it != body.end()) rate = it->value().to_number<double>();
    if (rate < 0 || rate > 1) Bad("rate must be 0..1");
    std::vector<std::string> endpoints = GetStringList(body, "endpoints");
    try {
      faults_.Seed(static_cast<std::uint64_t>(GetInt(body, "seed", 0)), rate, GetStringList(body, "kinds"),
                   {endpoints.begin(), endpoints.end()}, static_cast<int>(GetInt(body, "slow_ms", 3000)));
    } catch (const std::invalid_argument& e) {
      Bad(e.what());
    }
    return {};
  }
  if (name == "tokens") {
    std::string action = Need(body, "action");
    if (action == "expire") tokens_.ExpireAll(NowSeconds());
    else if (action == "revoke") tokens_.RevokeAll();
    else Bad("action must be expire or revoke");
    return {};
  }
  if (name == "console/add_tag") {
    json::object req{{"group_name", Need(body, "group_name")},
                     {"tag", json::array{json::object{{"name", Need(body, "tag")}}}}};
    json::object group = w.tags.Add(req, Owner::kConsole);
    json::value tag_id = group["tag"].as_array()[0].as_object()["id"];
    callbacks_.Send({{"Event", "change_external_tag"}, {"Id", std::string(tag_id.as_string())},
                     {"TagType", "tag"}, {"ChangeType", "create"}});
    return {{"tag_id", tag_id}, {"group_id", group["group_id"]}};
  }
  if (name == "console/delete_tag") {
    std::vector<std::string> tags, groups;
    if (Has(body, "tag_id")) tags.push_back(GetString(body, "tag_id"));
    if (Has(body, "group_id")) groups.push_back(GetString(body, "group_id"));
    w.customers.RemoveTagsEverywhere(w.tags.Delete(tags, groups, Owner::kConsole));
    for (const auto& id : tags)
      callbacks_.Send({{"Event", "change_external_tag"}, {"Id", id}, {"TagType", "tag"}, {"ChangeType", "delete"}});
    for (const auto& id : groups)
      callbacks_.Send({{"Event", "change_external_tag"}, {"Id", id}, {"TagType", "tag_group"}, {"ChangeType", "delete"}});
    return {};
  }
  if (name == "staff_mark_tag") {
    json::object req{{"userid", Need(body, "userid")}, {"external_userid", Need(body, "external_userid")},
                     {"add_tag", ToJsonArray(GetStringList(body, "add"))},
                     {"remove_tag", ToJsonArray(GetStringList(body, "remove"))}};
    std::map<std::string, std::string> no_query;
    routes_.at("mark_tag")(w, Call{no_query, req, NowSeconds()});
    return {};
  }
  if (name == "add_relationship") {
    Relationship r;
    r.userid = Need(body, "userid");
    r.external_userid = Need(body, "external_userid");
    r.state = GetString(body, "state");
    if (Utf8Length(r.state) > 30) Bad("state longer than 30 characters");
    r.remark_mobiles = GetStringList(body, "remark_mobiles");
    r.createtime = GetInt(body, "createtime", NowSeconds());
    r.add_way = static_cast<int>(GetInt(body, "add_way", 1));
    r.oper_userid = GetString(body, "oper_userid", r.external_userid);
    r.remark = GetString(body, "remark");
    if (Relationship* old = w.customers.Find(r.userid, r.external_userid)) r.tag_ids = old->tag_ids;
    std::string ext = r.external_userid, userid = r.userid, state = r.state;
    w.customers.Put(std::move(r));
    Customer& c = w.customers.UpsertCustomer(ext);
    if (Has(body, "unionid")) c.unionid = GetString(body, "unionid");
    c.name = GetString(body, "name", c.name.empty() ? ext : c.name);
    SendAdded(userid, ext, state);
    return {};
  }
  if (name == "delete_relationship") {
    std::string userid = Need(body, "userid"), ext = Need(body, "external_userid");
    if (!w.customers.Erase(userid, ext)) Bad("no such relationship");
    // "by": "member" (default: the member deleted the customer) or "customer".
    bool by_customer = GetString(body, "by") == "customer";
    callbacks_.Send({{"Event", "change_external_contact"},
                     {"ChangeType", by_customer ? "del_follow_user" : "del_external_contact"},
                     {"UserID", userid}, {"ExternalUserID", ext}});
    return {};
  }
  if (name == "add_member") {  // extension: a member of staff with no customers yet
    w.customers.AddMember(Need(body, "userid"));
    return {};
  }
  if (name == "scan_contact_way") {
    json::object out = ScanContactWay(w, body);
    SendAdded(std::string(out["userid"].as_string()), Need(body, "external_userid"),
              std::string(out["state"].as_string()));
    return out;
  }
  if (name == "add_group_chat") return AddGroupChat(w, body);
  if (name == "join_group") return JoinGroup(w, body);
  if (name == "leave_group") return LeaveGroup(w, body);
  if (name == "delete_group_chat") {
    if (!w.groups.chats.erase(Need(body, "chat_id"))) Bad("no such group chat");
    return {};
  }
  if (name == "send_result") return SetSendResult(w, body);
  if (name == "callback") {  // {url, token, encoding_aes_key[, corpid]}; url "" turns callbacks off
    callbacks_.Configure({GetString(body, "url"), GetString(body, "token"), GetString(body, "encoding_aes_key"),
                          GetString(body, "corpid", config_.corpid)});
    return {{"enabled", callbacks_.enabled()}};
  }
  if (name == "callbacks") return {{"sent", callbacks_.Log()}};
  Bad("unknown admin endpoint /admin/" + name);
}

}  // namespace segsync::fake
