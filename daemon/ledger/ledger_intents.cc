// Apply bookkeeping: write-ahead intents, owned tags, the retry queue and the audit trail.
//
// An intent row is committed before the WeCom call. Its outcome deletes it in the same
// transaction that records the effect (owned_tag or retry) and the audit event, so after a
// crash every change is either settled or still pending, never half-recorded.
#include <algorithm>

#include <fmt/format.h>

#include "ledger/ledger_impl.h"

namespace segsync {
namespace {

TagOp ParseOp(const std::string& s) { return s == "remove" ? TagOp::kRemove : TagOp::kAdd; }

struct IntentRow {
  int64_t run_id = 0, relationship_id = 0, tag_ref = 0;
  TagOp op = TagOp::kAdd;
};

// Deletes intent `id` and returns what it was, or nullopt if it was already settled.
std::optional<IntentRow> TakeIntent(Ledger::Impl& i, int64_t id) {
  auto& q = i.Stmt(
      "DELETE FROM intent WHERE id = ?1 RETURNING run_id, relationship_id, tag_ref, op");
  q.bind(1, id);
  std::optional<IntentRow> row;
  if (q.executeStep()) {
    row = IntentRow{ColInt(q, 0), ColInt(q, 1), ColInt(q, 2), ParseOp(ColText(q, 3))};
  }
  q.reset();
  return row;
}

void AuditTag(Ledger::Impl& i, int64_t run_id, int64_t at, const IntentRow& r, bool ok,
              int errcode, const std::string& reason) {
  auto& a = i.Stmt(
      "INSERT INTO audit (run_id, at, action, relationship_id, tag_ref, outcome, errcode, reason) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  a.bind(1, run_id);
  a.bind(2, at);
  a.bind(3, r.op == TagOp::kAdd ? "add_tag" : "remove_tag");
  a.bind(4, r.relationship_id);
  a.bind(5, r.tag_ref);
  a.bind(6, ok ? "ok" : "failed");
  a.bind(7, errcode);
  BindTextOrNull(a, 8, ClipText(reason));
  a.exec();
}

// Whether the retry queue has any row: when it is empty (the usual case) confirmations
// skip one delete per row.
bool AnyRetry(Ledger::Impl& i) {
  return i.db.execAndGet("SELECT EXISTS (SELECT 1 FROM retry)").getInt() != 0;
}

// Records the effect of a change WeCom has made.
void ApplyOwnership(Ledger::Impl& i, const IntentRow& r, int64_t now, bool clear_retry) {
  if (r.op == TagOp::kAdd) {
    auto& s = i.Stmt(
        "INSERT INTO owned_tag (relationship_id, tag_ref, applied_at, run_id) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET applied_at = excluded.applied_at, "
        "run_id = excluded.run_id");
    s.bind(1, r.relationship_id);
    s.bind(2, r.tag_ref);
    s.bind(3, now);
    s.bind(4, r.run_id);
    s.exec();
  } else {
    auto& s = i.Stmt("DELETE FROM owned_tag WHERE relationship_id = ?1 AND tag_ref = ?2");
    s.bind(1, r.relationship_id);
    s.bind(2, r.tag_ref);
    s.exec();
  }
  if (!clear_retry) return;
  auto& d = i.Stmt("DELETE FROM retry WHERE relationship_id = ?1 AND tag_ref = ?2");
  d.bind(1, r.relationship_id);
  d.bind(2, r.tag_ref);
  d.exec();
}

}  // namespace

Result<std::vector<int64_t>> Ledger::RecordIntents(int64_t run_id,
                                                   const std::vector<TagIntent>& intents,
                                                   int64_t now) {
  return impl_->Guard("recording intents", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    std::vector<int64_t> ids;
    ids.reserve(intents.size());
    for (const TagIntent& t : intents) {
      auto& s = impl_->Stmt(
          "INSERT INTO intent (run_id, relationship_id, tag_ref, op, created_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5)");
      s.bind(1, run_id);
      s.bind(2, t.relationship_id);
      s.bind(3, impl_->TagRef(t.tag_id));
      s.bind(4, TagOpName(t.op));
      s.bind(5, now);
      s.exec();
      ids.push_back(impl_->db.getLastInsertRowid());
    }
    tx.commit();
    return ids;
  });
}

Result<Ledger::Done> Ledger::ConfirmIntents(const std::vector<int64_t>& intent_ids, int64_t now) {
  return impl_->Guard("confirming tag changes", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    bool any_retry = AnyRetry(*impl_);
    for (int64_t id : intent_ids) {
      auto row = TakeIntent(*impl_, id);
      if (!row) continue;  // settled already (a repeated confirmation is harmless)
      ApplyOwnership(*impl_, *row, now, any_retry);
      AuditTag(*impl_, row->run_id, now, *row, true, 0, "");
    }
    tx.commit();
    return Done{};
  });
}

Result<Ledger::Done> Ledger::FailIntents(const std::vector<IntentFailure>& failures, int64_t now) {
  const RetryPolicy& policy = impl_->options.retry;
  return impl_->Guard("recording failed tag changes", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    for (const IntentFailure& f : failures) {
      auto row = TakeIntent(*impl_, f.intent_id);
      if (!row) continue;
      int attempts = 1;
      int64_t first_failed = now;
      auto& q = impl_->Stmt(
          "SELECT op, attempts, first_failed_at FROM retry "
          "WHERE relationship_id = ?1 AND tag_ref = ?2");
      q.bind(1, row->relationship_id);
      q.bind(2, row->tag_ref);
      if (q.executeStep() && ParseOp(ColText(q, 0)) == row->op) {
        attempts = static_cast<int>(ColInt(q, 1)) + 1;
        first_failed = ColInt(q, 2);
      }
      q.reset();
      bool permanent = f.permanent || attempts >= policy.max_attempts;
      int64_t delay = policy.base_seconds;
      for (int k = 1; k < attempts && delay < policy.cap_seconds; ++k) delay *= 2;
      delay = std::min(delay, policy.cap_seconds);
      auto& s = impl_->Stmt(
          "INSERT OR REPLACE INTO retry (relationship_id, tag_ref, op, attempts, first_failed_at, "
          "next_attempt_at, last_errcode, last_reason, permanent) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
      s.bind(1, row->relationship_id);
      s.bind(2, row->tag_ref);
      s.bind(3, TagOpName(row->op));
      s.bind(4, attempts);
      s.bind(5, first_failed);
      s.bind(6, now + delay);
      s.bind(7, f.errcode);
      s.bind(8, ClipText(f.reason));
      s.bind(9, permanent ? 1 : 0);
      s.exec();
      AuditTag(*impl_, row->run_id, now, *row, false, f.errcode, f.reason);
    }
    tx.commit();
    return Done{};
  });
}

Result<std::vector<PendingIntent>> Ledger::LoadPendingIntents() {
  return impl_->Guard("reading pending intents", [&] {
    auto& q = impl_->Stmt(
        "SELECT i.id, i.run_id, i.relationship_id, r.userid, r.external_userid, i.tag_ref, i.op, "
        "i.created_at FROM intent i JOIN relationship r ON r.id = i.relationship_id "
        "ORDER BY i.id");
    std::vector<PendingIntent> out;
    while (q.executeStep()) {
      out.push_back({ColInt(q, 0), ColInt(q, 1), ColInt(q, 2), ColText(q, 3), ColText(q, 4),
                     impl_->TagIdOf(ColInt(q, 5)), ParseOp(ColText(q, 6)), ColInt(q, 7)});
    }
    return out;
  });
}

Result<Ledger::Done> Ledger::ReconcileIntents(int64_t run_id,
                                              const std::vector<IntentObservation>& seen,
                                              int64_t now) {
  return impl_->Guard("reconciling pending intents", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    bool any_retry = AnyRetry(*impl_);
    for (const IntentObservation& o : seen) {
      auto row = TakeIntent(*impl_, o.intent_id);
      if (!row) continue;
      bool happened = (row->op == TagOp::kAdd) == o.tag_present;
      if (happened) ApplyOwnership(*impl_, *row, now, any_retry);
      AuditTag(*impl_, run_id, now, *row, happened, 0,
               happened ? "reconciled after an interrupted run: WeCom shows the change"
                        : "reconciled after an interrupted run: WeCom does not show the change");
    }
    tx.commit();
    return Done{};
  });
}

Result<OwnedTags> Ledger::LoadOwnedTags() {
  return impl_->Guard("loading owned tags", [&] {
    OwnedTags out;
    impl_->LoadTagCache();  // another process may have created tags since we opened
    std::unordered_map<int64_t, uint32_t> index;  // tag.id -> index into out.tag_ids
    // Indices follow tag.id order, so each relationship's indices come out ascending too.
    std::vector<int64_t> refs;
    for (const auto& entry : impl_->tag_ids) refs.push_back(entry.first);
    std::sort(refs.begin(), refs.end());
    for (int64_t ref : refs) {
      index.emplace(ref, static_cast<uint32_t>(out.tag_ids.size()));
      out.tag_ids.push_back(impl_->tag_ids.at(ref));
    }
    int64_t n = impl_->db.execAndGet("SELECT count(*) FROM owned_tag").getInt64();
    out.tags.reserve(static_cast<size_t>(n));
    // The primary key orders the scan by (relationship_id, tag_ref).
    auto& q = impl_->Stmt(
        "SELECT relationship_id, tag_ref FROM owned_tag ORDER BY relationship_id, tag_ref");
    int64_t last = -1;
    while (q.executeStep()) {
      int64_t rel = q.getColumn(0).getInt64();
      if (rel != last) {
        out.relationship_ids.push_back(rel);
        out.offsets.push_back(static_cast<uint32_t>(out.tags.size()));
        last = rel;
      }
      auto it = index.find(q.getColumn(1).getInt64());
      if (it == index.end()) throw LedgerAbort{{ErrorCode::kCorrupt, "owned tag without a tag"}};
      out.tags.push_back(it->second);
    }
    out.offsets.push_back(static_cast<uint32_t>(out.tags.size()));
    return out;
  });
}

Result<int64_t> Ledger::CountOwnedTags() {
  return impl_->Guard("counting owned tags", [&] {
    return impl_->db.execAndGet("SELECT count(*) FROM owned_tag").getInt64();
  });
}

Result<std::vector<RetryItem>> Ledger::LoadRetries(RetryFilter filter, int64_t now) {
  return impl_->Guard("reading the retry queue", [&] {
    auto& q = impl_->Stmt(
        "SELECT q.relationship_id, r.userid, r.external_userid, q.tag_ref, q.op, q.attempts, "
        "q.first_failed_at, q.next_attempt_at, q.last_errcode, q.last_reason, q.permanent "
        "FROM retry q JOIN relationship r ON r.id = q.relationship_id "
        // A relationship that is gone (deleted by either side) is never retried.
        "WHERE CASE ?1 WHEN 0 THEN q.permanent = 0 AND q.next_attempt_at <= ?2 AND r.gone = 0 "
        "WHEN 1 THEN q.permanent = 0 AND r.gone = 0 WHEN 2 THEN q.permanent = 1 ELSE 1 END "
        "ORDER BY q.next_attempt_at, q.relationship_id, q.tag_ref");
    q.bind(1, static_cast<int>(filter));
    q.bind(2, now);
    std::vector<RetryItem> out;
    while (q.executeStep()) {
      out.push_back({ColInt(q, 0), ColText(q, 1), ColText(q, 2), impl_->TagIdOf(ColInt(q, 3)),
                     ParseOp(ColText(q, 4)), static_cast<int>(ColInt(q, 5)), ColInt(q, 6),
                     ColInt(q, 7), static_cast<int>(ColInt(q, 8)), ColText(q, 9),
                     ColInt(q, 10) != 0});
    }
    return out;
  });
}

Result<Ledger::Done> Ledger::RecordAudit(const std::vector<AuditEvent>& events) {
  return impl_->Guard("recording audit events", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    for (const AuditEvent& e : events) {
      auto& a = impl_->Stmt(
          "INSERT INTO audit (run_id, at, actor, action, target, outcome, errcode, reason) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
      if (e.run_id) a.bind(1, e.run_id); else a.bind(1);
      a.bind(2, e.at);
      a.bind(3, e.actor);
      a.bind(4, e.action);
      BindTextOrNull(a, 5, ClipText(e.target));
      a.bind(6, e.ok ? "ok" : "failed");
      a.bind(7, e.errcode);
      BindTextOrNull(a, 8, ClipText(e.reason));
      a.exec();
    }
    tx.commit();
    return Done{};
  });
}

Result<std::vector<AuditEvent>> Ledger::LoadAudit(int64_t run_id) {
  return impl_->Guard("reading the audit trail", [&] {
    auto& q = impl_->Stmt(
        "SELECT a.run_id, a.at, a.actor, a.action, "
        "coalesce(a.target, r.userid || '/' || r.external_userid || ' ' || t.tag_id), "
        "a.outcome, a.errcode, a.reason FROM audit a "
        "LEFT JOIN relationship r ON r.id = a.relationship_id "
        "LEFT JOIN tag t ON t.id = a.tag_ref WHERE a.run_id = ?1 ORDER BY a.id");
    q.bind(1, run_id);
    std::vector<AuditEvent> out;
    while (q.executeStep()) {
      out.push_back({ColInt(q, 0), ColInt(q, 1), ColText(q, 2), ColText(q, 3), ColText(q, 4),
                     ColText(q, 5) == "ok", static_cast<int>(ColInt(q, 6)), ColText(q, 7)});
    }
    return out;
  });
}

}  // namespace segsync
