// Group-chat join ways, invitations, group members, and campaign touches.
#include <fmt/format.h>

#include "ledger/ledger_impl.h"

namespace segsync {

std::string JoinComma(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Result<Ledger::Done> Ledger::RecordJoinWay(const JoinWayRecord& way) {
  return impl_->Guard("recording a join way", [&] {
    auto& s = impl_->Stmt(
        "INSERT INTO join_way (config_id, segment_id, state, qr_code, chat_ids, created_at, "
        "updated_at, deleted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (config_id) DO UPDATE SET segment_id = excluded.segment_id, "
        "state = excluded.state, qr_code = excluded.qr_code, chat_ids = excluded.chat_ids, "
        "updated_at = excluded.updated_at, deleted = excluded.deleted");
    s.bind(1, way.config_id);
    s.bind(2, way.segment_id);
    s.bind(3, way.state);
    BindTextOrNull(s, 4, way.qr_code);
    s.bind(5, JoinComma(way.chat_ids));
    s.bind(6, way.created_at);
    s.bind(7, way.updated_at ? way.updated_at : way.created_at);
    s.bind(8, way.deleted ? 1 : 0);
    s.exec();
    return Done{};
  });
}

Result<std::vector<JoinWayRecord>> Ledger::LoadJoinWays(bool include_deleted) {
  return impl_->Guard("reading join ways", [&] {
    auto& q = impl_->Stmt(
        "SELECT config_id, segment_id, state, qr_code, chat_ids, created_at, updated_at, deleted "
        "FROM join_way WHERE deleted = 0 OR ?1 ORDER BY segment_id, created_at");
    q.bind(1, include_deleted ? 1 : 0);
    std::vector<JoinWayRecord> out;
    while (q.executeStep()) {
      out.push_back({ColText(q, 0), ColText(q, 1), ColText(q, 2), ColText(q, 3),
                     SplitComma(ColText(q, 4)), ColInt(q, 5), ColInt(q, 6), ColInt(q, 7) != 0});
    }
    return out;
  });
}

Result<Ledger::Done> Ledger::RecordInvitations(const std::vector<InvitationRecord>& invitations) {
  return impl_->Guard("recording invitations", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    for (const InvitationRecord& v : invitations) {
      auto& s = impl_->Stmt(
          "INSERT INTO invitation (external_userid, userid, segment_id, msgid, sent_at, run_id) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      s.bind(1, v.external_userid);
      s.bind(2, v.userid);
      s.bind(3, v.segment_id);
      BindTextOrNull(s, 4, v.msgid);
      s.bind(5, v.sent_at);
      if (v.run_id) s.bind(6, v.run_id); else s.bind(6);
      s.exec();
    }
    tx.commit();
    return Done{};
  });
}

Result<std::vector<InvitationRecord>> Ledger::LoadLastInvitations() {
  return impl_->Guard("reading invitations", [&] {
    // SQLite returns the other columns from the row that holds max(sent_at).
    auto& q = impl_->Stmt(
        "SELECT external_userid, userid, segment_id, msgid, max(sent_at), run_id FROM invitation "
        "GROUP BY segment_id, external_userid ORDER BY segment_id, external_userid");
    std::vector<InvitationRecord> out;
    while (q.executeStep()) {
      out.push_back({ColText(q, 0), ColText(q, 1), ColText(q, 2), ColText(q, 3), ColInt(q, 4),
                     ColInt(q, 5)});
    }
    return out;
  });
}

Result<Ledger::Done> Ledger::RecordGroupMembers(const std::string& chat_id,
                                                const std::vector<GroupMemberRecord>& present,
                                                int64_t now) {
  return impl_->Guard("recording group members", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    // Mark everyone absent first, then bring back those present: two passes, no big set.
    auto& gone = impl_->Stmt(
        "UPDATE group_member SET left_at = -1 WHERE chat_id = ?1 AND left_at IS NULL");
    gone.bind(1, chat_id);
    gone.exec();
    for (const GroupMemberRecord& m : present) {
      auto& s = impl_->Stmt(
          "INSERT INTO group_member (chat_id, external_userid, state, joined_at, left_at) "
          "VALUES (?1, ?2, ?3, ?4, NULL) ON CONFLICT DO UPDATE SET state = excluded.state, "
          "joined_at = CASE WHEN group_member.left_at = -1 THEN group_member.joined_at "
          "ELSE excluded.joined_at END, left_at = NULL");
      s.bind(1, chat_id);
      s.bind(2, m.external_userid);
      BindTextOrNull(s, 3, m.state);
      s.bind(4, m.joined_at ? m.joined_at : now);
      s.exec();
    }
    auto& left = impl_->Stmt(
        "UPDATE group_member SET left_at = ?2 WHERE chat_id = ?1 AND left_at = -1");
    left.bind(1, chat_id);
    left.bind(2, now);
    left.exec();
    tx.commit();
    return Done{};
  });
}

Result<std::vector<InvitationCountRow>> Ledger::LoadInvitationCounts(int64_t since_as_of) {
  return impl_->Guard("counting invitations", [&] {
    auto& q = impl_->Stmt(
        "SELECT v.run_id, r.as_of, v.segment_id, count(*) FROM invitation v "
        "JOIN run r ON r.id = v.run_id WHERE r.as_of >= ?1 "
        "GROUP BY v.run_id, v.segment_id ORDER BY v.run_id, v.segment_id");
    q.bind(1, since_as_of);
    std::vector<InvitationCountRow> out;
    while (q.executeStep()) out.push_back({ColInt(q, 0), ColInt(q, 1), ColText(q, 2), ColInt(q, 3)});
    return out;
  });
}

Result<std::vector<GroupMemberRecord>> Ledger::LoadGroupMembers(const std::string& chat_id) {
  return impl_->Guard("reading group members", [&] {
    auto& q = impl_->Stmt(
        "SELECT chat_id, external_userid, state, joined_at, left_at FROM group_member "
        "WHERE chat_id = ?1 ORDER BY external_userid");
    q.bind(1, chat_id);
    std::vector<GroupMemberRecord> out;
    while (q.executeStep()) {
      out.push_back({ColText(q, 0), ColText(q, 1), ColText(q, 2), ColInt(q, 3), ColInt(q, 4)});
    }
    return out;
  });
}

Result<bool> Ledger::ClaimCampaignTouch(const CampaignTouchRecord& touch) {
  return impl_->Guard("claiming a campaign touch", [&] {
    auto& s = impl_->Stmt(
        "INSERT INTO campaign_touch (campaign, touch_date, segments, msgid, created_at, run_id) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (campaign, touch_date) DO NOTHING");
    s.bind(1, touch.campaign);
    s.bind(2, touch.touch_date);
    s.bind(3, JoinComma(touch.segments));
    BindTextOrNull(s, 4, touch.msgid);
    s.bind(5, touch.created_at);
    if (touch.run_id) s.bind(6, touch.run_id); else s.bind(6);
    return s.exec() == 1;
  });
}

Result<Ledger::Done> Ledger::SetCampaignTouchMsgid(const std::string& campaign,
                                                   const std::string& touch_date,
                                                   const std::string& msgid) {
  return impl_->Guard("recording a campaign touch's msgid", [&] {
    auto& s = impl_->Stmt(
        "UPDATE campaign_touch SET msgid = ?3 WHERE campaign = ?1 AND touch_date = ?2");
    s.bind(1, campaign);
    s.bind(2, touch_date);
    s.bind(3, msgid);
    if (s.exec() != 1) {
      throw LedgerAbort{{ErrorCode::kInvalidInput,
                         fmt::format("ledger {}: no claimed touch {} {}", impl_->path, campaign,
                                     touch_date)}};
    }
    return Done{};
  });
}

Result<std::vector<CampaignTouchRecord>> Ledger::LoadCampaignTouches() {
  return impl_->Guard("reading campaign touches", [&] {
    auto& q = impl_->Stmt(
        "SELECT campaign, touch_date, segments, msgid, created_at, run_id FROM campaign_touch "
        "ORDER BY touch_date, campaign");
    std::vector<CampaignTouchRecord> out;
    while (q.executeStep()) {
      out.push_back({ColText(q, 0), ColText(q, 1), SplitComma(ColText(q, 2)), ColText(q, 3),
                     ColInt(q, 4), ColInt(q, 5)});
    }
    return out;
  });
}

}  // namespace segsync
