// Invitation tasks (service/groups_step.h, step 3): following up earlier tasks, and creating
// this run's (write-ahead rows in the ledger first).
#include <algorithm>
#include <map>
#include <unordered_set>

#include <fmt/format.h>

#include "service/groups_step.h"
#include "workspace/as_of.h"

namespace segsync {

namespace asio = boost::asio;
using asio::awaitable;

namespace {
constexpr int kMaxPages = 1000;  // cursor pages per follow-up read (1000 rows each)
}  // namespace

awaitable<void> GroupsStep::FollowUp(int64_t run_id) {
  int64_t now = Now().seconds;
  auto open = ledger_.LoadOpenInvitationTasks(now - kInvitationFollowUpDays * 86400);
  if (!open) {
    log_.Error("cannot read the invitation tasks", {{"error", open.error().message}});
    co_return;
  }
  int64_t tasks_read = 0, tasks_sent = 0, rows_read = 0;
  std::map<std::string, std::vector<std::string>> by_msgid;
  for (const auto& t : *open) by_msgid[t.msgid].push_back(t.userid);
  for (const auto& [msgid, userids] : by_msgid) {
    // get_groupmsg_task: did the member send it at all?
    std::map<std::string, int> task_status;
    std::string cursor;
    bool failed = false;
    for (int page = 0; page < kMaxPages; ++page) {
      auto r = co_await client_.GetGroupMsgTask(msgid, cursor);
      if (!r) {
        std::string why = Why(r.error());
        log_.Warning("cannot read an invitation task (get_groupmsg_task); tried again next run",
                     {{"msgid", msgid}, {"errcode", std::to_string(r.error().errcode)}, {"reason", why}});
        Audit(run_id, "invite_follow_up", msgid, false, CodeOf(r.error()), "get_groupmsg_task: " + why);
        failed = true;
        break;
      }
      for (const auto& t : r->tasks) task_status[t.userid] = t.status;
      if (r->next_cursor.empty() || r->next_cursor == cursor) break;
      cursor = r->next_cursor;
    }
    if (failed) continue;
    for (const auto& userid : userids) {
      std::vector<InvitationSendResult> results;
      cursor.clear();
      for (int page = 0; page < kMaxPages; ++page) {
        auto r = co_await client_.GetGroupMsgSendResult(msgid, userid, cursor);
        if (!r) {
          std::string why = Why(r.error());
          log_.Warning("cannot read invitation send results (get_groupmsg_send_result); tried again next run",
                       {{"msgid", msgid}, {"userid", userid}, {"errcode", std::to_string(r.error().errcode)},
                        {"reason", why}});
          Audit(run_id, "invite_follow_up", msgid + " " + userid, false, CodeOf(r.error()),
                "get_groupmsg_send_result: " + why);
          failed = true;
          break;
        }
        for (const auto& s : r->results) {
          if (!s.external_userid.empty() && s.status >= 0 && s.status <= 3) {
            results.push_back({s.external_userid, s.status, s.send_time});
            continue;
          }
          // An answer segsync cannot use is recorded, never dropped silently.
          std::string why = fmt::format("get_groupmsg_send_result returned an unusable row (external_userid "
                                        "'{}', status {}); ignored", s.external_userid, s.status);
          log_.Warning(why, {{"msgid", msgid}, {"userid", userid}});
          Audit(run_id, "invite_follow_up", msgid + " " + userid, false, 0, why);
        }
        if (r->next_cursor.empty() || r->next_cursor == cursor) break;
        cursor = r->next_cursor;
      }
      if (failed) break;
      auto n = ledger_.RecordInvitationResults(msgid, results, now);
      if (!n) log_.Error("cannot record invitation send results", {{"msgid", msgid}, {"error", n.error().message}});
      auto ts = task_status.find(userid);
      ++tasks_read;
      if (ts != task_status.end() && ts->second == 2) ++tasks_sent;
      rows_read += static_cast<int64_t>(results.size());
    }
  }
  if (tasks_read > 0)
    log_.Info("followed up invitation tasks", {{"tasks", std::to_string(tasks_read)},
                                               {"sent_by_member", std::to_string(tasks_sent)},
                                               {"results", std::to_string(rows_read)}});
}

awaitable<void> GroupsStep::SendInvitations(int64_t run_id, const Plan& plan) {
  for (const PlanInvitation& inv : plan.invitations) {
    auto seg = std::find_if(segments_.begin(), segments_.end(),
                            [&](const SegmentInfo& s) { return s.segment->id == inv.segment_id; });
    if (seg == segments_.end()) continue;
    auto way = join_ways_.find(inv.segment_id);
    if (!seg->error.empty() || way == join_ways_.end() || way->second.qr_code.empty()) {
      // The segment's error was recorded once; its customers are not invited this run.
      res_.invitations_failed += static_cast<int64_t>(inv.external_userids.size());
      continue;
    }
    const GroupChat& gc = *seg->segment->group_chat;
    int64_t now = Now().seconds;
    std::vector<InvitationStart> rows;
    for (const auto& ext : inv.external_userids) rows.push_back({ext, inv.userid, inv.segment_id, now, run_id});
    auto ids = ledger_.StartInvitations(rows);
    if (!ids) {
      SegmentError(*seg, "cannot record invitations in the ledger: " + ids.error().message, 0, run_id, "");
      continue;
    }
    wecom::MsgTemplate m;
    m.chat_type = "single";
    m.external_userid = inv.external_userids;
    m.sender = inv.userid;
    m.text = gc.invitation;
    m.links.push_back({gc.link_title.empty() ? std::string("加入群聊") : gc.link_title, way->second.qr_code, "", ""});
    auto r = co_await client_.AddMsgTemplate(std::move(m));
    std::vector<InvitationOutcome> outcomes;
    std::string target = fmt::format("{} {}", inv.segment_id, inv.userid);
    if (r && r->msgid.empty()) {
      // errcode 0 without a msgid: the task cannot be followed up, so it counts as refused.
      wecom::ApiError e;
      e.code = ErrorCode::kInvalidInput;
      e.endpoint = "add_msg_template";
      e.message = "WeCom answered errcode 0 without a msgid";
      r = e;
    }
    if (!r) {
      // No answer (timeout, dropped): WeCom may have made the task, so the rows stay pending
      // (counted as invited: nobody gets it twice; the follow-up cannot find them).
      bool unknown = r.error().errcode == 0 && r.error().http_status == 0 && r.error().code != ErrorCode::kCancelled;
      std::string why = Why(r.error());
      if (!unknown)
        for (int64_t id : *ids) outcomes.push_back({id, InvitationStatus::kFailed, "", CodeOf(r.error()), "add_msg_template: " + why});
      res_.invitations_failed += static_cast<int64_t>(inv.external_userids.size());
      std::string msg = fmt::format("add_msg_template for {} customers of member {} failed: {}{}",
                                    inv.external_userids.size(), inv.userid, why,
                                    unknown ? " (no answer: counted as invited)" : "");
      log_.Error("group chat segment: " + msg, {{"segment", inv.segment_id}, {"errcode", std::to_string(r.error().errcode)}});
      Audit(run_id, "invite", target, false, CodeOf(r.error()), msg);
      res_.group_errors.push_back(fmt::format("segment {}: {}", inv.segment_id, msg));
    } else {
      std::unordered_set<std::string> fail(r->fail_list.begin(), r->fail_list.end());
      int64_t created = 0;
      for (size_t i = 0; i < ids->size(); ++i) {
        const std::string& ext = inv.external_userids[i];
        if (fail.count(ext)) {
          std::string why = fmt::format("in add_msg_template's fail_list: not a customer of {} (or unknown)", inv.userid);
          outcomes.push_back({(*ids)[i], InvitationStatus::kFailed, r->msgid, 0, why});
          Audit(run_id, "invite", target + " " + ext, false, 0, why);
          ++res_.invitations_failed;
        } else {
          outcomes.push_back({(*ids)[i], InvitationStatus::kCreated, r->msgid, 0, ""});
          ++created;
        }
      }
      res_.invitations_created += created;
      Audit(run_id, "invite", target + " " + r->msgid, true, 0,
            fmt::format("{} customers, {} in fail_list", created, fail.size()));
      log_.Notice("created an invitation task", {{"segment", inv.segment_id}, {"userid", inv.userid},
                                                 {"msgid", r->msgid}, {"customers", std::to_string(created)},
                                                 {"fail_list", std::to_string(fail.size())}});
      if (!fail.empty())
        log_.Warning("WeCom refused some invitations (fail_list); they are retried after reinvite_after_days",
                     {{"segment", inv.segment_id}, {"userid", inv.userid}, {"count", std::to_string(fail.size())}});
    }
    auto done = ledger_.FinishInvitations(outcomes);
    if (!done) log_.Error("cannot record invitation outcomes", {{"error", done.error().message}});
  }
}

}  // namespace segsync
