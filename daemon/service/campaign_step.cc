#include "service/campaign_step.h"

#include <map>
#include <set>

#include <date/tz.h>
#include <fmt/format.h>

#include "workspace/as_of.h"

namespace segsync {

namespace asio = boost::asio;

namespace {

void Audit(Ledger& ledger, Logger& log, int64_t run_id, const std::string& target, bool ok, int errcode,
           const std::string& reason) {
  AuditEvent e;
  e.run_id = run_id;
  e.at = Now().seconds;
  e.action = "campaign_touch";
  e.target = target;
  e.ok = ok;
  e.errcode = errcode;
  e.reason = reason;
  auto done = ledger.RecordAudit({e});
  if (!done) log.Error("cannot audit a campaign touch", {{"error", done.error().message}});
}

std::string Reason(const wecom::ApiError& e) {
  if (e.errcode != 0) return fmt::format("errcode {}: {}", e.errcode, e.message);
  return e.message;
}

asio::awaitable<bool> ReadResults(CampaignContext& ctx, const CampaignTouchRecord& t) {
  std::vector<TouchResult> results;
  std::set<std::string> users;
  std::string cursor;
  do {
    auto page = co_await ctx.client.GetGroupMsgTask(t.msgid, cursor);
    if (!page) {
      ctx.log.Warning("cannot read a campaign touch's tasks",
                      {{"campaign", t.campaign}, {"date", t.touch_date}, {"error", page.error().message}});
      co_return false;
    }
    for (const auto& task : page->tasks) users.insert(task.userid);
    cursor = page->next_cursor;
  } while (!cursor.empty());
  for (const std::string& userid : users) {
    cursor.clear();
    do {
      auto page = co_await ctx.client.GetGroupMsgSendResult(t.msgid, userid, cursor);
      if (!page) {
        ctx.log.Warning("cannot read a campaign touch's send results",
                        {{"campaign", t.campaign}, {"date", t.touch_date}, {"error", page.error().message}});
        co_return false;
      }
      for (const auto& r : page->results) {
        if (r.external_userid.empty()) continue;  // group chats: not used by touches
        if (results.size() >= kMaxResultsPerTouch) break;
        results.push_back({r.userid, r.external_userid, r.status, r.send_time});
      }
      cursor = results.size() >= kMaxResultsPerTouch ? std::string() : page->next_cursor;
    } while (!cursor.empty());
  }
  auto done = ctx.ledger.RecordTouchResults(t.campaign, t.touch_date, results, Now().seconds);
  if (!done) {
    ctx.log.Error("cannot record campaign send results", {{"error", done.error().message}});
    co_return false;
  }
  co_return true;
}

}  // namespace

Date LocalDayOf(DateTime t, const date::time_zone* tz) {
  date::sys_seconds s{std::chrono::seconds{t.seconds}};
  auto local = tz->to_local(s);
  return Date{static_cast<int32_t>(date::floor<date::days>(local).time_since_epoch().count())};
}

std::vector<std::pair<size_t, size_t>> TouchesOn(const RuleSet& rules, Date day) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t c = 0; c < rules.campaigns.size(); ++c)
    for (size_t t = 0; t < rules.campaigns[c].touches.size(); ++t)
      if (rules.campaigns[c].touches[t].date == day) out.push_back({c, t});
  return out;
}

asio::awaitable<CampaignOutcome> RunCampaignTouches(CampaignContext ctx) {
  CampaignOutcome out;
  const RuleSet& rules = ctx.ws.rules;
  Date today = LocalDayOf(ctx.as_of, ctx.ws.config.tz);
  auto due = TouchesOn(rules, today);
  if (!due.empty()) {
    auto tags = ctx.ledger.LoadTags();
    if (!tags) {
      ctx.log.Error("cannot read the tag library for campaign touches", {{"error", tags.error().message}});
      co_return out;
    }
    std::map<std::string, std::vector<std::string>> tags_of;  // segment id -> live tag ids
    for (const TagRecord& t : *tags) tags_of[t.segment_id].push_back(t.tag_id);
    for (auto [ci, ti] : due) {
      const Campaign& c = rules.campaigns[ci];
      const Touch& touch = c.touches[ti];
      std::string day = FormatDate(touch.date);
      std::string target = fmt::format("{} {}", c.name, day);
      CampaignTouchRecord rec{c.name, day, {}, "", Now().seconds, ctx.run_id};
      std::vector<std::string> filter;
      for (int s : touch.segments) {
        rec.segments.push_back(rules.segments[s].id);
        for (const auto& id : tags_of[rules.segments[s].id]) filter.push_back(id);
      }
      if (filter.empty() || filter.size() > kMaxTouchTags) {
        std::string why = filter.empty() ? "its segments have no tag in WeCom yet (nobody is in them)"
                                         : fmt::format("its segments have {} tags; WeCom accepts at most {}",
                                                       filter.size(), kMaxTouchTags);
        ctx.log.Warning("campaign touch not sent: " + why, {{"campaign", c.name}, {"date", day}});
        Audit(ctx.ledger, ctx.log, ctx.run_id, target, false, 0, why);
        ++out.failed;
        continue;
      }
      auto claimed = ctx.ledger.ClaimCampaignTouch(rec);
      if (!claimed) {
        ctx.log.Error("cannot claim a campaign touch", {{"error", claimed.error().message}});
        continue;
      }
      if (!*claimed) {
        ctx.log.Debug("campaign touch already handled", {{"campaign", c.name}, {"date", day}});
        continue;
      }
      wecom::MsgTemplate m;
      m.tag_filter.push_back(filter);
      m.text = touch.message;
      if (!touch.link_url.empty()) m.links.push_back({touch.link_title.empty() ? touch.link_url : touch.link_title, touch.link_url, "", ""});
      auto created = co_await ctx.client.AddMsgTemplate(m);
      if (!created) {
        const wecom::ApiError& e = created.error();
        bool refused = e.errcode != 0;
        if (refused) {
          auto released = ctx.ledger.ReleaseCampaignTouch(c.name, day);
          if (!released) ctx.log.Error("cannot release a campaign touch", {{"error", released.error().message}});
        }
        ctx.log.Error(refused ? "campaign touch refused by WeCom; a later run today retries it"
                              : "campaign touch outcome unknown (no answer); it is not sent again",
                      {{"campaign", c.name}, {"date", day}, {"error", e.message}});
        Audit(ctx.ledger, ctx.log, ctx.run_id, target, false, e.errcode, Reason(e));
        ++out.failed;
        continue;
      }
      auto rec_done = ctx.ledger.RecordTouchCreated(c.name, day, created->msgid, filter,
                                                    static_cast<int64_t>(created->fail_list.size()));
      if (!rec_done) ctx.log.Error("cannot record a created campaign touch", {{"error", rec_done.error().message}});
      Audit(ctx.ledger, ctx.log, ctx.run_id, target, true, 0, "");
      ctx.log.Notice("campaign touch created", {{"campaign", c.name}, {"date", day}, {"msgid", created->msgid}});
      ++out.created;
    }
  }
  auto recorded = ctx.ledger.LoadCampaignTouches();
  if (!recorded) co_return out;
  int64_t since = Now().seconds - kResultDays * 86400;
  for (const auto& t : *recorded) {
    if (t.msgid.empty() || t.created_at < since || ctx.client.stopping()) continue;
    if (co_await ReadResults(ctx, t)) ++out.results_read;
  }
  co_return out;
}

}  // namespace segsync
