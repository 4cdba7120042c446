// Runs and plans.
#include <fmt/format.h>

#include "ledger/ledger_impl.h"

namespace segsync {
namespace {

constexpr const char* kKinds[] = {"scheduled", "manual", "callback", "dry-run"};
constexpr const char* kOutcomes[] = {"running", "ok", "partial", "blocked", "failed", "interrupted"};

RunRecord ReadRun(const SQLite::Statement& q) {
  RunRecord r;
  r.id = ColInt(q, 0);
  r.kind = ParseRunKind(ColText(q, 1)).value_or(RunKind::kManual);
  r.as_of = ColInt(q, 2);
  r.started_at = ColInt(q, 3);
  r.ended_at = ColInt(q, 4);
  r.export_file = ColText(q, 5);
  r.export_rows = ColInt(q, 6);
  r.export_bytes = ColInt(q, 7);
  r.export_hash = ColText(q, 8);
  r.outcome = ParseRunOutcome(ColText(q, 9)).value_or(RunOutcome::kFailed);
  int64_t* counts[] = {&r.profiles, &r.rows_rejected, &r.matched, &r.unmatched, &r.relations,
                       &r.added,    &r.removed,       &r.failed,  &r.unchanged, &r.api_calls};
  for (int i = 0; i < 10; ++i) *counts[i] = ColInt(q, 10 + i);
  r.plan_id = ColText(q, 20);
  r.message = ColText(q, 21);
  return r;
}

// Binds every column but id, in the run table's column order, starting at parameter 1.
void BindRun(SQLite::Statement& s, const RunRecord& r) {
  s.bind(1, RunKindName(r.kind));
  s.bind(2, r.as_of);
  s.bind(3, r.started_at);
  if (r.ended_at) s.bind(4, r.ended_at); else s.bind(4);
  BindTextOrNull(s, 5, r.export_file);
  s.bind(6, r.export_rows);
  s.bind(7, r.export_bytes);
  BindTextOrNull(s, 8, r.export_hash);
  s.bind(9, RunOutcomeName(r.outcome));
  const int64_t counts[] = {r.profiles, r.rows_rejected, r.matched, r.unmatched, r.relations,
                            r.added,    r.removed,       r.failed,  r.unchanged, r.api_calls};
  for (int i = 0; i < 10; ++i) s.bind(10 + i, counts[i]);
  BindTextOrNull(s, 20, r.plan_id);
  BindTextOrNull(s, 21, ClipText(r.message));
}

}  // namespace

const char* RunKindName(RunKind k) { return kKinds[static_cast<int>(k)]; }
const char* RunOutcomeName(RunOutcome o) { return kOutcomes[static_cast<int>(o)]; }
std::optional<RunKind> ParseRunKind(std::string_view s) {
  for (int i = 0; i < 4; ++i) if (s == kKinds[i]) return static_cast<RunKind>(i);
  return std::nullopt;
}
std::optional<RunOutcome> ParseRunOutcome(std::string_view s) {
  for (int i = 0; i < 6; ++i) if (s == kOutcomes[i]) return static_cast<RunOutcome>(i);
  return std::nullopt;
}
const char* TagOpName(TagOp op) { return op == TagOp::kAdd ? "add" : "remove"; }

Result<int64_t> Ledger::StartRun(const RunRecord& run) {
  return impl_->Guard("recording the start of a run", [&] {
    auto& s = impl_->Stmt(
        "INSERT INTO run (kind, as_of, started_at, ended_at, export_file, export_rows, "
        "export_bytes, export_hash, outcome, profiles, rows_rejected, matched, unmatched, "
        "relations, added, removed, failed, unchanged, api_calls, plan_id, message) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
        "?19, ?20, ?21)");
    BindRun(s, run);
    s.exec();
    return impl_->db.getLastInsertRowid();
  });
}

Result<Ledger::Done> Ledger::FinishRun(const RunRecord& run) {
  return impl_->Guard("recording the end of a run", [&] {
    auto& s = impl_->Stmt(
        "UPDATE run SET kind = ?1, as_of = ?2, started_at = ?3, ended_at = ?4, export_file = ?5, "
        "export_rows = ?6, export_bytes = ?7, export_hash = ?8, outcome = ?9, profiles = ?10, "
        "rows_rejected = ?11, matched = ?12, unmatched = ?13, relations = ?14, added = ?15, "
        "removed = ?16, failed = ?17, unchanged = ?18, api_calls = ?19, plan_id = ?20, "
        "message = ?21 WHERE id = ?22");
    BindRun(s, run);
    s.bind(22, run.id);
    if (s.exec() != 1) {
      throw LedgerAbort{{ErrorCode::kInvalidInput,
                         fmt::format("ledger {}: no run {} to finish", impl_->path, run.id)}};
    }
    return Done{};
  });
}

Result<int64_t> Ledger::MarkInterruptedRuns(int64_t now) {
  return impl_->Guard("marking interrupted runs", [&] {
    auto& s = impl_->Stmt(
        "UPDATE run SET outcome = 'interrupted', ended_at = ?1, "
        "message = coalesce(message, 'the process stopped before the run ended') "
        "WHERE outcome = 'running'");
    s.bind(1, now);
    return static_cast<int64_t>(s.exec());
  });
}

Result<std::vector<RunRecord>> Ledger::LastRuns(int n) {
  return impl_->Guard("reading runs", [&] {
    auto& q = impl_->Stmt(
        "SELECT id, kind, as_of, started_at, ended_at, export_file, export_rows, export_bytes, "
        "export_hash, outcome, profiles, rows_rejected, matched, unmatched, relations, added, "
        "removed, failed, unchanged, api_calls, plan_id, message FROM run ORDER BY id DESC "
        "LIMIT ?1");
    q.bind(1, static_cast<int64_t>(n < 0 ? 0 : n));
    std::vector<RunRecord> out;
    while (q.executeStep()) out.push_back(ReadRun(q));
    return out;
  });
}

Result<std::vector<RunRecord>> Ledger::LoadRunsIn(const KpiWindow& w) {
  return impl_->Guard("reading runs", [&] {
    auto& q = impl_->Stmt(
        "SELECT id, kind, as_of, started_at, ended_at, export_file, export_rows, export_bytes, "
        "export_hash, outcome, profiles, rows_rejected, matched, unmatched, relations, added, "
        "removed, failed, unchanged, api_calls, plan_id, message FROM run "
        "WHERE kind != 'dry-run' AND as_of BETWEEN ?1 AND ?2 ORDER BY id");
    q.bind(1, w.from_as_of);
    q.bind(2, w.to_as_of);
    std::vector<RunRecord> out;
    while (q.executeStep()) out.push_back(ReadRun(q));
    return out;
  });
}

Result<std::optional<RunRecord>> Ledger::GetRun(int64_t run_id) {
  return impl_->Guard("reading a run", [&] {
    auto& q = impl_->Stmt(
        "SELECT id, kind, as_of, started_at, ended_at, export_file, export_rows, export_bytes, "
        "export_hash, outcome, profiles, rows_rejected, matched, unmatched, relations, added, "
        "removed, failed, unchanged, api_calls, plan_id, message FROM run WHERE id = ?1");
    q.bind(1, run_id);
    std::optional<RunRecord> out;
    if (q.executeStep()) out = ReadRun(q);
    q.reset();
    return out;
  });
}

Result<std::optional<RunRecord>> Ledger::LastAppliedRun() {
  return impl_->Guard("reading the last applied run", [&] {
    auto& q = impl_->Stmt(
        "SELECT id, kind, as_of, started_at, ended_at, export_file, export_rows, export_bytes, "
        "export_hash, outcome, profiles, rows_rejected, matched, unmatched, relations, added, "
        "removed, failed, unchanged, api_calls, plan_id, message FROM run "
        "WHERE outcome IN ('ok', 'partial') AND kind NOT IN ('dry-run', 'callback') ORDER BY id DESC LIMIT 1");
    std::optional<RunRecord> out;
    if (q.executeStep()) out = ReadRun(q);
    q.reset();
    return out;
  });
}

Result<Ledger::Done> Ledger::RecordPlan(const PlanRecord& plan) {
  return impl_->Guard("recording a plan", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    auto& s = impl_->Stmt(
        "INSERT INTO plan (plan_id, created_at, as_of, inputs_hash, blocked) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (plan_id) DO UPDATE SET "
        "created_at = excluded.created_at, as_of = excluded.as_of, "
        "inputs_hash = excluded.inputs_hash, blocked = excluded.blocked");
    s.bind(1, plan.plan_id);
    s.bind(2, plan.created_at);
    s.bind(3, plan.as_of);
    s.bind(4, plan.inputs_hash);
    s.bind(5, plan.blocked ? 1 : 0);
    s.exec();
    auto& del = impl_->Stmt("DELETE FROM plan_reason WHERE plan_id = ?1");
    del.bind(1, plan.plan_id);
    del.exec();
    for (size_t i = 0; i < plan.reasons.size(); ++i) {
      auto& r = impl_->Stmt("INSERT INTO plan_reason (plan_id, seq, reason) VALUES (?1, ?2, ?3)");
      r.bind(1, plan.plan_id);
      r.bind(2, static_cast<int64_t>(i));
      r.bind(3, ClipText(plan.reasons[i]));
      r.exec();
    }
    tx.commit();
    return Done{};
  });
}

Result<Ledger::Done> Ledger::ApprovePlan(const std::string& plan_id, int64_t now) {
  return impl_->Guard("approving a plan", [&] {
    auto& s = impl_->Stmt("UPDATE plan SET approved = 1, approved_at = ?2 WHERE plan_id = ?1");
    s.bind(1, plan_id);
    s.bind(2, now);
    if (s.exec() != 1) {
      throw LedgerAbort{{ErrorCode::kInvalidInput,
                         fmt::format("no plan '{}' in ledger {}: run `segsync plan` and approve "
                                     "the plan_id it prints",
                                     plan_id, impl_->path)}};
    }
    return Done{};
  });
}

Result<std::optional<PlanRecord>> Ledger::GetPlan(const std::string& plan_id) {
  return impl_->Guard("reading a plan", [&] {
    auto& q = impl_->Stmt(
        "SELECT plan_id, created_at, as_of, inputs_hash, blocked, approved, approved_at "
        "FROM plan WHERE plan_id = ?1");
    q.bind(1, plan_id);
    std::optional<PlanRecord> out;
    if (!q.executeStep()) return out;
    PlanRecord p;
    p.plan_id = ColText(q, 0);
    p.created_at = ColInt(q, 1);
    p.as_of = ColInt(q, 2);
    p.inputs_hash = ColText(q, 3);
    p.blocked = ColInt(q, 4) != 0;
    p.approved = ColInt(q, 5) != 0;
    p.approved_at = ColInt(q, 6);
    q.reset();
    auto& r = impl_->Stmt("SELECT reason FROM plan_reason WHERE plan_id = ?1 ORDER BY seq");
    r.bind(1, plan_id);
    while (r.executeStep()) p.reasons.push_back(ColText(r, 0));
    out = std::move(p);
    return out;
  });
}

}  // namespace segsync
