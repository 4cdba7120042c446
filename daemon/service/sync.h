// One run of segsync (spec §1 `plan`, `sync`): export -> profiles -> segments -> plan against
// WeCom and the ledger -> guard -> apply -> record.
//
// Order of work, and why:
//   1. Evaluate the export (local, may fail fast on a schema change).
//   2. Open the ledger; runs left 'running' by a killed process become 'interrupted'.
//   3. Read WeCom once: members, every relationship (batch/get_by_user), the tag library.
//   4. Settle write-ahead intents a killed run left pending, by what WeCom now shows.
//   5. Reconcile the tag library: tags deleted in the console are forgotten (and recreated
//      when still wanted), a changed `tag:` of the same segment id renames segsync's tag.
//   6. Plan (plan/planner.h) and guard (plan/guard.h). `plan` / `--dry-run` stop here.
//   7. Apply: create missing tags, then per batch of relationships: intents in the ledger,
//      mark_tag calls (throttled by the client), confirmed outcomes in the ledger. A tag is
//      recorded as segsync's only after WeCom answered errcode 0.
//   8. Snapshot memberships (KPIs), finish the run record, summary.
// Stop (SIGTERM): no new batch starts; calls on the wire finish and are recorded; the run is
// recorded as interrupted. The next run re-plans from WeCom and the ledger and converges.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <stop_token>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/log.h"
#include "ledger/group_records.h"
#include "ledger/records.h"
#include "plan/plan.h"
#include "service/progress.h"
#include "wecom/wecom_client.h"
#include "workspace/workspace.h"

namespace segsync {

struct SyncOptions {
  RunKind kind = RunKind::kManual;
  std::string as_of;            // --as-of text; empty: now
  std::string export_override;  // --export
  bool dry_run = false;         // `plan` / `sync --dry-run`: read only, nothing applied
  std::string approve;          // --approve PLAN_ID
  std::stop_token stop;         // SIGTERM
  ProgressSink* progress = nullptr;  // the daemon's STATUS= line; may be null
  bool progress_on_terminal = false; // draw a progress line on stderr (an interactive `sync`)
  size_t apply_batch = 500;     // relationships per ledger transaction during apply
  // Test hook: stop after this many mark_tag batches (simulates a crash point); 0 = never.
  int64_t abort_after_batches = 0;
};

struct SyncResult {
  ExitCode exit_code = ExitCode::kOk;
  RunOutcome outcome = RunOutcome::kOk;
  std::string summary;    // one line for people (also the run's message in the ledger)
  bool fatal = false;     // bad secret, permission, IP: an operator must act
  int64_t run_id = 0;     // 0 for a dry run
  std::optional<Plan> plan;
  // Counts of the apply step.
  int64_t added = 0, removed = 0, failed = 0, skipped = 0, unchanged = 0;
  int64_t tags_created = 0;
  std::map<std::string, int64_t> failures_by_reason;  // "84061 relationship gone" -> n
  int64_t retry_queue_depth = 0;
  wecom::ClientStats api;  // calls per endpoint and errcode
  std::vector<std::pair<SegmentKey, int64_t>> segment_sizes;
  double seconds = 0;
  // Group chats (issue 6, service/groups_step.h): customers in tasks WeCom created this run,
  // customers not invited because of a failure, one line per segment problem, and the
  // ledger's per-segment figures after the run.
  int64_t invitations_created = 0;
  int64_t invitations_failed = 0;
  std::vector<std::string> group_errors;
  std::vector<GroupSegmentStats> group_stats;
};

// Runs one sync (or a dry run) with the given workspace. Never throws; every failure is in
// the result (and, for a real run, in the ledger).
SyncResult RunSync(const Workspace& ws, const SyncOptions& options, Logger& log);

}  // namespace segsync
