#include "service/groups_step.h"

#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>

#include "workspace/as_of.h"

namespace segsync {

namespace asio = boost::asio;
using asio::awaitable;

std::string GroupsStep::Why(const wecom::ApiError& e) {
  if (e.code == ErrorCode::kCancelled) return "interrupted before sending";
  if (e.errcode != 0) {
    std::string_view meaning = wecom::ErrcodeMeaning(e.errcode);
    return meaning.empty() ? fmt::format("errcode {}: {}", e.errcode, e.message)
                           : fmt::format("errcode {} {}", e.errcode, meaning);
  }
  if (e.http_status != 0) return fmt::format("HTTP {}", e.http_status);
  return e.message.empty() ? "network error" : e.message;
}

int GroupsStep::CodeOf(const wecom::ApiError& e) { return e.errcode != 0 ? e.errcode : -1; }

namespace {

// The first `n` UTF-8 characters of `s` (never cuts a character).
std::string FirstChars(const std::string& s, int n) {
  size_t i = 0;
  for (int chars = 0; i < s.size() && chars < n; ++chars) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return s.substr(0, i);
}

}  // namespace

GroupsStep::GroupsStep(const Workspace& ws, Logger& log, Ledger& ledger, wecom::WecomClient& client,
                       SyncResult& result)
    : ws_(ws), log_(log), ledger_(ledger), client_(client), res_(result) {}

bool GroupsStep::Prepare() {
  const RuleSet& rules = ws_.rules;
  std::set<std::string> ids;
  for (const Segment& s : rules.segments) {
    if (!s.group_chat) continue;
    SegmentInfo info;
    info.segment = &s;
    const std::string& group = rules.groups[static_cast<size_t>(s.group)].name;
    info.label = FormatTagKey(group, s.tag_from >= 0 ? "*" : s.tag);
    info.state = JoinWayState(s.id);
    segments_.push_back(std::move(info));
    ids.insert(s.id);
  }
  auto ways = ledger_.LoadJoinWays(false);
  if (!ways) {
    log_.Error("cannot read the join ways from the ledger", {{"error", ways.error().message}});
    res_.group_errors.push_back(ways.error().message);
  } else {
    for (auto& w : *ways) {
      if (ids.count(w.segment_id)) join_ways_[w.segment_id] = std::move(w);
      else orphan_ways_.push_back(std::move(w));
    }
  }
  active_ = !segments_.empty() || !orphan_ways_.empty();
  return active_;
}

std::vector<TagIndex> GroupsStep::InviteTags(const CollectedProfiles& in) const {
  std::vector<TagIndex> out;
  for (TagIndex t = 0; t < in.tag_segment.size(); ++t) {
    for (const SegmentInfo& s : segments_)
      if (in.tag_segment[t] == s.segment->id) out.push_back(t);
  }
  return out;  // ascending by construction
}

awaitable<std::optional<wecom::ApiError>> GroupsStep::Observe(const std::vector<std::string>& members) {
  if (segments_.empty()) co_return std::nullopt;
  std::set<std::string> wanted;
  for (const SegmentInfo& s : segments_)
    for (const auto& id : s.segment->group_chat->chat_ids) wanted.insert(id);
  std::unordered_set<std::string> listed;
  if (!members.empty()) {
    auto list = co_await client_.ListAllGroupChats(members);
    if (!list) {
      if (list.error().klass == wecom::ErrorClass::kFatal || list.error().code == ErrorCode::kCancelled)
        co_return list.error();
      // Without the list every chat is read directly; groupchat/get says which are gone.
      log_.Warning("cannot list the group chats (groupchat/list); reading each chat directly",
                   {{"errcode", std::to_string(list.error().errcode)}, {"error", list.error().message}});
      listed = std::unordered_set<std::string>(wanted.begin(), wanted.end());
    } else {
      for (const auto& c : *list) listed.insert(c.chat_id);
    }
  }
  for (const auto& id : wanted) {
    if (!listed.count(id)) {
      chat_errors_[id] = fmt::format(
          "group chat {} is not listed by WeCom (deleted, or its owner is not a member with "
          "customer contact)", id);
      chat_errcodes_[id] = 0;
      continue;
    }
    auto chat = co_await client_.GetGroupChat(id, false);
    if (!chat) {
      if (chat.error().klass == wecom::ErrorClass::kFatal || chat.error().code == ErrorCode::kCancelled)
        co_return chat.error();
      chat_errors_[id] = fmt::format("cannot read group chat {} (groupchat/get): {}", id, Why(chat.error()));
      chat_errcodes_[id] = CodeOf(chat.error());
      continue;
    }
    chats_[id] = std::move(*chat);
  }
  for (SegmentInfo& s : segments_) {
    for (const auto& id : s.segment->group_chat->chat_ids) {
      auto e = chat_errors_.find(id);
      if (e == chat_errors_.end()) continue;
      s.error = e->second;
      s.errcode = chat_errcodes_[id];
      break;
    }
  }
  log_.Info("read the group chats", {{"chats", std::to_string(chats_.size())},
                                     {"unreadable", std::to_string(chat_errors_.size())}});
  co_return std::nullopt;
}

std::optional<Error> GroupsStep::Decide(const CollectedProfiles& in, int64_t as_of, Plan* plan) {
  auto last = ledger_.LoadLastInvitedAsOf();
  if (!last) return last.error();
  LastInvitedIndex index;
  for (const auto& l : *last) index[InviteKey(l.segment_id, l.external_userid)] = l.as_of;
  std::vector<GroupSegmentInput> inputs;
  for (const SegmentInfo& s : segments_) {
    GroupSegmentInput g;
    g.segment_id = s.segment->id;
    g.label = s.label;
    for (TagIndex t = 0; t < in.tag_segment.size(); ++t)
      if (in.tag_segment[t] == s.segment->id) g.tags.push_back(t);
    g.reinvite_after_days = s.segment->group_chat->reinvite_after_days;
    g.error = s.error;
    auto w = join_ways_.find(s.segment->id);
    if (w == join_ways_.end()) g.join_way = "create";
    else g.join_way = w->second.chat_ids == s.segment->group_chat->chat_ids ? "keep" : "update";
    for (const auto& id : s.segment->group_chat->chat_ids) {
      auto c = chats_.find(id);
      if (c == chats_.end()) continue;
      for (const auto& m : c->second.members)
        if (m.type == 2) g.in_chats.insert(m.userid);
    }
    inputs.push_back(std::move(g));
  }
  std::vector<std::string> removed;
  for (const auto& w : orphan_ways_) removed.push_back(w.segment_id);
  DecideInvitations(inputs, removed, index, as_of, kMaxInviteesPerTask, plan);
  for (const PlanGroupSegment& g : plan->group_segments)
    if (!g.error.empty()) log_.Error("group chat segment: " + g.error, {{"segment", g.segment_id}});
  return std::nullopt;
}

void GroupsStep::Audit(int64_t run_id, const std::string& action, const std::string& target, bool ok,
                       int errcode, const std::string& reason) {
  AuditEvent e;
  e.run_id = run_id;
  e.at = Now().seconds;
  e.action = action;
  e.target = target;
  e.ok = ok;
  e.errcode = errcode;
  e.reason = reason;
  auto done = ledger_.RecordAudit({e});
  if (!done) log_.Error("cannot record an audit event", {{"error", done.error().message}});
}

void GroupsStep::SegmentError(SegmentInfo& s, const std::string& message, int errcode, int64_t run_id,
                              const std::string& target) {
  if (s.error.empty()) {
    s.error = message;
    s.errcode = errcode;
  }
  log_.Error("group chat segment: " + message, {{"segment", s.segment->id}, {"errcode", std::to_string(errcode)}});
  Audit(run_id, "group_chat", target.empty() ? s.segment->id : s.segment->id + " " + target, false,
        errcode, message);
  res_.group_errors.push_back(fmt::format("segment {}: {}", s.segment->id, message));
}

void GroupsStep::RecordMembers() {
  auto versions = ledger_.LoadGroupChatVersions();
  std::map<std::string, std::string> known;
  if (versions) known.insert(versions->begin(), versions->end());
  int64_t now = Now().seconds;
  for (const auto& [id, chat] : chats_) {
    auto k = known.find(id);
    if (k != known.end() && !chat.member_version.empty() && k->second == chat.member_version) continue;
    std::vector<GroupMemberRecord> present;
    for (const auto& m : chat.members) {
      if (m.type != 2) continue;  // members of staff are not customers
      present.push_back({id, m.userid, m.state, m.join_time, 0});
    }
    auto done = ledger_.RecordGroupMembers(id, present, now);
    if (done) done = ledger_.RecordGroupChat(id, chat.member_version, chat.name, chat.owner, now);
    if (!done) log_.Error("cannot record a group chat's members", {{"chat_id", id}, {"error", done.error().message}});
  }
}

awaitable<void> GroupsStep::SyncJoinWays(int64_t run_id) {
  int64_t now = Now().seconds;
  for (SegmentInfo& s : segments_) {
    if (!s.error.empty()) continue;
    const GroupChat& gc = *s.segment->group_chat;
    auto it = join_ways_.find(s.segment->id);
    if (it != join_ways_.end() && it->second.chat_ids == gc.chat_ids && !it->second.qr_code.empty()) continue;
    wecom::JoinWay way;
    way.scene = 2;
    way.remark = FirstChars(s.segment->id, 30);  // WeCom's remark cap, in characters
    way.auto_create_room = 0;  // a full chat is an operator's decision (docs/groups.md)
    way.chat_id_list = gc.chat_ids;
    way.state = s.state;
    JoinWayRecord rec;
    if (it == join_ways_.end()) {
      auto id = co_await client_.AddJoinWay(way);
      if (!id) {
        SegmentError(s, fmt::format("cannot create the join way (add_join_way): {}", Why(id.error())),
                     CodeOf(id.error()), run_id, "add_join_way");
        continue;
      }
      rec.config_id = *id;
      rec.created_at = now;
    } else {
      rec = it->second;
      way.config_id = rec.config_id;
      auto ok = co_await client_.UpdateJoinWay(way);
      if (!ok) {
        SegmentError(s, fmt::format("cannot update the join way {} (update_join_way): {}", rec.config_id,
                                    Why(ok.error())), CodeOf(ok.error()), run_id, "update_join_way");
        continue;
      }
    }
    auto got = co_await client_.GetJoinWay(rec.config_id);
    if (!got || got->qr_code.empty()) {
      std::string why = got ? "WeCom returned no qr_code" : Why(got.error());
      SegmentError(s, fmt::format("cannot read the join way {} (get_join_way): {}", rec.config_id, why),
                   got ? 0 : CodeOf(got.error()), run_id, "get_join_way");
    }
    rec.segment_id = s.segment->id;
    rec.state = s.state;
    rec.chat_ids = gc.chat_ids;
    if (got) rec.qr_code = got->qr_code;
    rec.updated_at = now;
    auto done = ledger_.RecordJoinWay(rec);
    if (!done) log_.Error("cannot record a join way", {{"config_id", rec.config_id}, {"error", done.error().message}});
    Audit(run_id, it == join_ways_.end() ? "create_join_way" : "update_join_way",
          s.segment->id + " " + rec.config_id, true, 0, "");
    log_.Notice(it == join_ways_.end() ? "created a join way" : "updated a join way",
                {{"segment", s.segment->id}, {"config_id", rec.config_id}, {"state", rec.state}});
    join_ways_[s.segment->id] = rec;
  }
  for (JoinWayRecord& w : orphan_ways_) {
    auto ok = co_await client_.DelJoinWay(w.config_id);
    // 40058 (unknown config_id): already gone, e.g. deleted by hand.
    if (!ok && ok.error().errcode != 40058) {
      std::string msg = fmt::format("cannot delete the join way {} of removed segment {} (del_join_way): {}",
                                    w.config_id, w.segment_id, Why(ok.error()));
      log_.Error(msg);
      Audit(run_id, "delete_join_way", w.segment_id + " " + w.config_id, false, CodeOf(ok.error()), msg);
      res_.group_errors.push_back(msg);
      continue;
    }
    w.deleted = true;
    w.updated_at = now;
    auto done = ledger_.RecordJoinWay(w);
    if (!done) log_.Error("cannot record a join way", {{"config_id", w.config_id}, {"error", done.error().message}});
    Audit(run_id, "delete_join_way", w.segment_id + " " + w.config_id, true, 0, "");
    log_.Notice("deleted the join way of a removed segment", {{"segment", w.segment_id}, {"config_id", w.config_id}});
  }
}

awaitable<void> GroupsStep::Apply(int64_t run_id, const Plan& plan) {
  if (!active_) co_return;
  for (SegmentInfo& s : segments_)
    if (!s.error.empty()) {
      std::string chat;
      for (const auto& id : s.segment->group_chat->chat_ids)
        if (chat_errors_.count(id)) chat = id;
      std::string msg = s.error;
      s.error.clear();
      SegmentError(s, msg, s.errcode, run_id, chat);
    }
  RecordMembers();
  co_await SyncJoinWays(run_id);
  co_await FollowUp(run_id);
  co_await SendInvitations(run_id, plan);
}

void GroupsStep::Collect() {
  if (!active_) return;
  auto stats = ledger_.LoadGroupStats();
  if (!stats) {
    log_.Error("cannot count the group invitations", {{"error", stats.error().message}});
    return;
  }
  res_.group_stats = std::move(*stats);
}

}  // namespace segsync
