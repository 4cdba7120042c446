// The report's KPI queries (issue 7) and the campaign touches' outcome and send results.
// Definitions (also in docs/report.md): a snapshot run is a run that recorded segment sizes;
// a profile is in a segment at run R when a membership span has entered_run <= R < left_run.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "ledger/ledger_impl.h"

namespace segsync {
namespace {

int64_t TouchRef(Ledger::Impl& i, const std::string& campaign, const std::string& touch_date) {
  auto& q = i.Stmt("SELECT id FROM campaign_touch WHERE campaign = ?1 AND touch_date = ?2");
  q.bind(1, campaign);
  q.bind(2, touch_date);
  int64_t id = q.executeStep() ? ColInt(q, 0) : 0;
  q.reset();
  if (id == 0) {
    throw LedgerAbort{{ErrorCode::kInvalidInput,
                       fmt::format("ledger {}: no claimed touch {} {}", i.path, campaign, touch_date)}};
  }
  return id;
}

}  // namespace

Result<Ledger::Done> Ledger::RecordTouchCreated(const std::string& campaign,
                                                const std::string& touch_date,
                                                const std::string& msgid,
                                                const std::vector<std::string>& tags,
                                                int64_t fail_count) {
  return impl_->Guard("recording a created campaign touch", [&] {
    int64_t id = TouchRef(*impl_, campaign, touch_date);
    auto& s = impl_->Stmt(
        "UPDATE campaign_touch SET msgid = ?2, tags = ?3, fail_count = ?4 WHERE id = ?1");
    s.bind(1, id);
    s.bind(2, msgid);
    s.bind(3, JoinComma(tags));
    s.bind(4, fail_count);
    s.exec();
    return Done{};
  });
}

Result<Ledger::Done> Ledger::ReleaseCampaignTouch(const std::string& campaign,
                                                  const std::string& touch_date) {
  return impl_->Guard("releasing a campaign touch", [&] {
    auto& s = impl_->Stmt(
        "DELETE FROM campaign_touch WHERE campaign = ?1 AND touch_date = ?2 AND msgid IS NULL");
    s.bind(1, campaign);
    s.bind(2, touch_date);
    s.exec();
    return Done{};
  });
}

Result<Ledger::Done> Ledger::RecordTouchResults(const std::string& campaign,
                                                const std::string& touch_date,
                                                const std::vector<TouchResult>& results,
                                                int64_t now) {
  return impl_->Guard("recording campaign send results", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    int64_t id = TouchRef(*impl_, campaign, touch_date);
    auto& del = impl_->Stmt("DELETE FROM campaign_touch_result WHERE touch_ref = ?1");
    del.bind(1, id);
    del.exec();
    for (const TouchResult& r : results) {
      auto& s = impl_->Stmt(
          "INSERT OR REPLACE INTO campaign_touch_result "
          "(touch_ref, userid, external_userid, status, send_time) VALUES (?1, ?2, ?3, ?4, ?5)");
      s.bind(1, id);
      s.bind(2, r.userid);
      s.bind(3, r.external_userid);
      s.bind(4, std::clamp(r.status, 0, 3));
      s.bind(5, r.send_time);
      s.exec();
    }
    auto& up = impl_->Stmt("UPDATE campaign_touch SET results_read_at = ?2 WHERE id = ?1");
    up.bind(1, id);
    up.bind(2, now);
    up.exec();
    tx.commit();
    return Done{};
  });
}

Result<std::vector<SegmentSizeRow>> Ledger::LoadSegmentSizesIn(const KpiWindow& w) {
  return impl_->Guard("reading segment sizes", [&] {
    auto& q = impl_->Stmt(
        "SELECT s.run_id, r.as_of, g.segment_id, g.tag, s.size, "
        "(SELECT count(*) FROM membership m WHERE m.entered_run = s.run_id "
        " AND m.segment_ref = s.segment_ref), "
        "(SELECT count(*) FROM membership m WHERE m.left_run = s.run_id "
        " AND m.segment_ref = s.segment_ref) "
        "FROM segment_size s JOIN run r ON r.id = s.run_id JOIN segment g ON g.id = s.segment_ref "
        "WHERE r.as_of BETWEEN ?1 AND ?2 ORDER BY s.run_id, g.segment_id, g.tag");
    q.bind(1, w.from_as_of);
    q.bind(2, w.to_as_of);
    std::vector<SegmentSizeRow> out;
    while (q.executeStep()) {
      out.push_back({ColInt(q, 0), ColInt(q, 1), {ColText(q, 2), ColText(q, 3)}, ColInt(q, 4),
                     ColInt(q, 5), ColInt(q, 6)});
    }
    return out;
  });
}

Result<std::vector<ConversionEvent>> Ledger::LoadConversions(const KpiWindow& w,
                                                             const std::vector<std::string>& from,
                                                             const std::vector<std::string>& to) {
  return impl_->Guard("reading conversions", [&] {
    SQLite::Transaction tx(impl_->db);  // one consistent read
    // The segments a profile was in just before the converting run R: spans that entered
    // before R and were still open at R (or closed by R itself).
    auto& q = impl_->Stmt(
        "SELECT c.run_id, r.as_of, p.crm_id, c.from_status, c.to_status, g.segment_id, g.tag, "
        "e.as_of FROM status_change c JOIN run r ON r.id = c.run_id "
        "JOIN profile p ON p.id = c.profile_ref "
        "LEFT JOIN membership m ON m.profile_ref = c.profile_ref AND m.entered_run < c.run_id "
        " AND (m.left_run IS NULL OR m.left_run >= c.run_id) "
        "LEFT JOIN segment g ON g.id = m.segment_ref LEFT JOIN run e ON e.id = m.entered_run "
        "WHERE r.as_of BETWEEN ?1 AND ?2 AND c.from_status IS NOT NULL AND c.to_status IS NOT NULL "
        "ORDER BY c.run_id, p.crm_id, g.segment_id, g.tag");
    q.bind(1, w.from_as_of);
    q.bind(2, w.to_as_of);
    std::set<std::string> from_set(from.begin(), from.end()), to_set(to.begin(), to.end());
    std::vector<ConversionEvent> out;
    while (q.executeStep()) {
      ConversionEvent e{ColInt(q, 0), ColInt(q, 1), ColText(q, 2), ColText(q, 3), ColText(q, 4),
                        ColText(q, 5), ColText(q, 6), ColInt(q, 7)};
      if (from_set.count(e.from_status) && to_set.count(e.to_status)) out.push_back(std::move(e));
    }
    return out;
  });
}

Result<std::vector<SegmentAudienceRow>> Ledger::LoadSegmentAudiences(const KpiWindow& w) {
  return impl_->Guard("reading segment audiences", [&] {
    SQLite::Transaction tx(impl_->db);
    auto& b = impl_->Stmt(
        "SELECT min(s.run_id), max(s.run_id) FROM segment_size s JOIN run r ON r.id = s.run_id "
        "WHERE r.as_of BETWEEN ?1 AND ?2");
    b.bind(1, w.from_as_of);
    b.bind(2, w.to_as_of);
    b.executeStep();
    bool none = b.getColumn(0).isNull();
    int64_t first = ColInt(b, 0), last = ColInt(b, 1);
    b.reset();
    std::vector<SegmentAudienceRow> out;
    if (none) return out;
    // A span overlaps the window's snapshot runs [first, last] when it entered by `last`
    // and had not left by `first`. The scan follows the primary key (profile, segment,
    // entered), so a profile's spans of one segment are adjacent: counting changes of
    // (profile, segment) counts distinct profiles per segment without a sort.
    std::map<int64_t, int64_t> counts;  // segment_ref -> distinct profiles
    {
      auto& q = impl_->Stmt(
          "SELECT profile_ref, segment_ref FROM membership WHERE entered_run <= ?2 "
          "AND (left_run IS NULL OR left_run > ?1)");
      q.bind(1, first);
      q.bind(2, last);
      int64_t prev_profile = -1, prev_segment = -1;
      while (q.executeStep()) {
        int64_t profile = ColInt(q, 0), segment = ColInt(q, 1);
        if (profile != prev_profile || segment != prev_segment) ++counts[segment];
        prev_profile = profile;
        prev_segment = segment;
      }
    }
    auto& names = impl_->Stmt("SELECT id, segment_id, tag FROM segment ORDER BY segment_id, tag");
    while (names.executeStep()) {
      auto it = counts.find(ColInt(names, 0));
      if (it != counts.end()) out.push_back({ColText(names, 1), ColText(names, 2), it->second});
    }
    return out;
  });
}

Result<std::vector<FailureCountRow>> Ledger::LoadFailureCounts(const KpiWindow& w) {
  return impl_->Guard("counting failures", [&] {
    auto& q = impl_->Stmt(
        "SELECT a.action, coalesce(a.reason, ''), count(*) FROM audit a JOIN run r ON r.id = a.run_id "
        "WHERE a.outcome = 'failed' AND r.as_of BETWEEN ?1 AND ?2 "
        "GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2");
    q.bind(1, w.from_as_of);
    q.bind(2, w.to_as_of);
    std::vector<FailureCountRow> out;
    while (q.executeStep()) out.push_back({ColText(q, 0), ColText(q, 1), ColInt(q, 2)});
    return out;
  });
}

Result<std::vector<InvitationKpiRow>> Ledger::LoadInvitationKpis(const KpiWindow& w) {
  return impl_->Guard("counting invitations", [&] {
    // Invitations WeCom accepted (not 'failed'), per customer; joined: the customer is (or
    // was) in a chat through one of the segment's join ways (group_member.state = the way's
    // state), having joined at or after the first invitation of the window.
    auto& q = impl_->Stmt(
        "WITH firsts AS (SELECT v.segment_id, v.external_userid, min(v.sent_at) AS first, "
        " count(*) AS n, max(coalesce(v.send_status, 0) = 1) AS sent FROM invitation v "
        " JOIN run r ON r.id = v.run_id WHERE r.as_of BETWEEN ?1 AND ?2 AND v.status != 'failed' "
        " GROUP BY v.segment_id, v.external_userid) "
        "SELECT f.segment_id, sum(f.n), count(*), sum(f.sent), sum(EXISTS (SELECT 1 FROM join_way j "
        " JOIN group_member gm ON gm.state = j.state WHERE j.segment_id = f.segment_id "
        " AND gm.external_userid = f.external_userid AND gm.joined_at >= f.first)) "
        "FROM firsts f GROUP BY f.segment_id ORDER BY f.segment_id");
    q.bind(1, w.from_as_of);
    q.bind(2, w.to_as_of);
    std::vector<InvitationKpiRow> out;
    while (q.executeStep())
      out.push_back({ColText(q, 0), ColInt(q, 1), ColInt(q, 2), ColInt(q, 3), ColInt(q, 4)});
    return out;
  });
}

Result<std::vector<TouchKpiRow>> Ledger::LoadTouchKpis() {
  return impl_->Guard("reading campaign touches", [&] {
    auto& q = impl_->Stmt(
        "SELECT t.campaign, t.touch_date, t.segments, t.msgid, t.created_at, t.run_id, "
        "t.fail_count, t.results_read_at, count(x.external_userid), "
        "coalesce(sum(x.status = 1), 0), coalesce(sum(x.status = 0), 0), "
        "coalesce(sum(x.status = 2), 0), coalesce(sum(x.status = 3), 0) "
        "FROM campaign_touch t LEFT JOIN campaign_touch_result x ON x.touch_ref = t.id "
        "GROUP BY t.id ORDER BY t.touch_date, t.campaign");
    std::vector<TouchKpiRow> out;
    while (q.executeStep()) {
      TouchKpiRow t;
      t.campaign = ColText(q, 0);
      t.touch_date = ColText(q, 1);
      t.segments = SplitComma(ColText(q, 2));
      t.msgid = ColText(q, 3);
      t.created_at = ColInt(q, 4);
      t.run_id = ColInt(q, 5);
      t.fail_count = ColInt(q, 6);
      t.results_read_at = ColInt(q, 7);
      t.targeted = ColInt(q, 8);
      t.sent = ColInt(q, 9);
      t.unsent = ColInt(q, 10);
      t.not_friend = ColInt(q, 11);
      t.quota = ColInt(q, 12);
      out.push_back(std::move(t));
    }
    return out;
  });
}

Result<std::vector<CampaignReachRow>> Ledger::LoadCampaignReach() {
  return impl_->Guard("reading campaign reach", [&] {
    auto& q = impl_->Stmt(
        "SELECT t.campaign, count(DISTINCT x.external_userid), "
        "count(DISTINCT CASE WHEN x.status = 1 THEN x.external_userid END) "
        "FROM campaign_touch t JOIN campaign_touch_result x ON x.touch_ref = t.id "
        "GROUP BY t.campaign ORDER BY t.campaign");
    std::vector<CampaignReachRow> out;
    while (q.executeStep()) out.push_back({ColText(q, 0), ColInt(q, 1), ColInt(q, 2)});
    return out;
  });
}

}  // namespace segsync
