// Group-chat invitations (issue 6): write-ahead rows, outcomes, send results, chat versions
// and the per-segment figures. Schema: sql/002_groups.sql.
#include <fmt/format.h>

#include "ledger/ledger_impl.h"

namespace segsync {

const char* InvitationStatusName(InvitationStatus s) {
  switch (s) {
    case InvitationStatus::kPending: return "pending";
    case InvitationStatus::kCreated: return "created";
    case InvitationStatus::kFailed: return "failed";
  }
  return "pending";
}

Result<std::vector<int64_t>> Ledger::StartInvitations(const std::vector<InvitationStart>& rows) {
  return impl_->Guard("recording invitations", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    std::vector<int64_t> ids;
    ids.reserve(rows.size());
    for (const InvitationStart& v : rows) {
      auto& s = impl_->Stmt(
          "INSERT INTO invitation (external_userid, userid, segment_id, msgid, sent_at, run_id, "
          "status) VALUES (?1, ?2, ?3, NULL, ?4, ?5, 'pending')");
      s.bind(1, v.external_userid);
      s.bind(2, v.userid);
      s.bind(3, v.segment_id);
      s.bind(4, v.sent_at);
      if (v.run_id) s.bind(5, v.run_id); else s.bind(5);
      s.exec();
      ids.push_back(impl_->db.getLastInsertRowid());
    }
    tx.commit();
    return ids;
  });
}

Result<Ledger::Done> Ledger::FinishInvitations(const std::vector<InvitationOutcome>& outcomes) {
  return impl_->Guard("recording invitation outcomes", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    for (const InvitationOutcome& o : outcomes) {
      auto& s = impl_->Stmt(
          "UPDATE invitation SET status = ?2, msgid = ?3, errcode = ?4, reason = ?5 WHERE id = ?1");
      s.bind(1, o.id);
      s.bind(2, InvitationStatusName(o.status));
      BindTextOrNull(s, 3, o.msgid);
      s.bind(4, o.errcode);
      BindTextOrNull(s, 5, ClipText(o.reason));
      s.exec();
    }
    tx.commit();
    return Done{};
  });
}

Result<std::vector<LastInvitation>> Ledger::LoadLastInvitedAsOf() {
  return impl_->Guard("reading invitations", [&] {
    // A row without a run (written outside a run) counts from its own time.
    auto& q = impl_->Stmt(
        "SELECT v.segment_id, v.external_userid, max(coalesce(r.as_of, v.sent_at)) "
        "FROM invitation v LEFT JOIN run r ON r.id = v.run_id "
        "WHERE v.status IN ('pending', 'created') OR (v.status = 'failed' AND v.errcode = 0) "
        "GROUP BY v.segment_id, v.external_userid ORDER BY v.segment_id, v.external_userid");
    std::vector<LastInvitation> out;
    while (q.executeStep()) out.push_back({ColText(q, 0), ColText(q, 1), ColInt(q, 2)});
    return out;
  });
}

Result<std::vector<OpenInvitationTask>> Ledger::LoadOpenInvitationTasks(int64_t since) {
  return impl_->Guard("reading invitation tasks", [&] {
    auto& q = impl_->Stmt(
        "SELECT DISTINCT msgid, userid FROM invitation WHERE status = 'created' "
        "AND msgid IS NOT NULL AND (send_status IS NULL OR send_status = 0) AND sent_at >= ?1 "
        "ORDER BY msgid, userid");
    q.bind(1, since);
    std::vector<OpenInvitationTask> out;
    while (q.executeStep()) out.push_back({ColText(q, 0), ColText(q, 1)});
    return out;
  });
}

Result<int64_t> Ledger::RecordInvitationResults(const std::string& msgid,
                                                const std::vector<InvitationSendResult>& results,
                                                int64_t now) {
  return impl_->Guard("recording invitation send results", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    int64_t changed = 0;
    for (const InvitationSendResult& r : results) {
      auto& s = impl_->Stmt(
          "UPDATE invitation SET send_status = ?3, send_time = ?4, checked_at = ?5 "
          "WHERE msgid = ?1 AND external_userid = ?2 AND status = 'created'");
      s.bind(1, msgid);
      s.bind(2, r.external_userid);
      s.bind(3, r.status);
      s.bind(4, r.send_time);
      s.bind(5, now);
      changed += s.exec();
    }
    tx.commit();
    return changed;
  });
}

Result<std::vector<std::pair<std::string, std::string>>> Ledger::LoadGroupChatVersions() {
  return impl_->Guard("reading group chat versions", [&] {
    auto& q = impl_->Stmt("SELECT chat_id, member_version FROM group_chat ORDER BY chat_id");
    std::vector<std::pair<std::string, std::string>> out;
    while (q.executeStep()) out.emplace_back(ColText(q, 0), ColText(q, 1));
    return out;
  });
}

Result<Ledger::Done> Ledger::RecordGroupChat(const std::string& chat_id, const std::string& member_version,
                                             const std::string& name, const std::string& owner,
                                             int64_t now) {
  return impl_->Guard("recording a group chat", [&] {
    auto& s = impl_->Stmt(
        "INSERT INTO group_chat (chat_id, member_version, name, owner, read_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (chat_id) DO UPDATE SET "
        "member_version = excluded.member_version, name = excluded.name, owner = excluded.owner, "
        "read_at = excluded.read_at");
    s.bind(1, chat_id);
    s.bind(2, member_version);
    BindTextOrNull(s, 3, name);
    BindTextOrNull(s, 4, owner);
    s.bind(5, now);
    s.exec();
    return Done{};
  });
}

Result<std::vector<GroupSegmentStats>> Ledger::LoadGroupStats() {
  return impl_->Guard("counting group invitations", [&] {
    std::vector<GroupSegmentStats> out;
    auto find = [&](const std::string& id) -> GroupSegmentStats& {
      for (auto& s : out)
        if (s.segment_id == id) return s;
      out.push_back({});
      out.back().segment_id = id;
      return out.back();
    };
    // Per customer: the best state any of its invitations reached.
    auto& q = impl_->Stmt(
        "SELECT segment_id, "
        "count(DISTINCT CASE WHEN status = 'created' THEN external_userid END), "
        "count(DISTINCT CASE WHEN status = 'failed' THEN external_userid END), "
        "count(DISTINCT CASE WHEN send_status = 1 THEN external_userid END), "
        "count(DISTINCT CASE WHEN send_status = 0 THEN external_userid END), "
        "count(DISTINCT CASE WHEN send_status = 2 THEN external_userid END), "
        "count(DISTINCT CASE WHEN send_status = 3 THEN external_userid END) "
        "FROM invitation GROUP BY segment_id ORDER BY segment_id");
    while (q.executeStep()) {
      GroupSegmentStats& s = find(ColText(q, 0));
      s.invited = ColInt(q, 1);
      s.sent = ColInt(q, 3);
      s.unsent = ColInt(q, 4);
      s.not_contact = ColInt(q, 5);
      s.quota = ColInt(q, 6);
      s.failed = ColInt(q, 2);
    }
    // Joins through the segment's join ways (any of them, deleted ones too).
    auto& j = impl_->Stmt(
        "SELECT w.segment_id, count(DISTINCT m.external_userid), "
        "count(DISTINCT CASE WHEN m.left_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM group_member "
        "  m2 WHERE m2.external_userid = m.external_userid AND m2.state = m.state AND "
        "  m2.left_at IS NULL) THEN m.external_userid END) "
        "FROM group_member m JOIN (SELECT DISTINCT segment_id, state FROM join_way) w "
        "ON w.state = m.state GROUP BY w.segment_id ORDER BY w.segment_id");
    while (j.executeStep()) {
      GroupSegmentStats& s = find(ColText(j, 0));
      s.joined = ColInt(j, 1);
      s.left = ColInt(j, 2);
    }
    return out;
  });
}

}  // namespace segsync
