// The ledger: a SQLite file that records everything segsync did (issue "ledger", spec §6).
//
// Contract:
// - Open() creates the file (mode 0600, and its -wal/-shm files) or opens an existing one,
//   applies the migrations compiled in from sql/NNN_*.sql by PRAGMA user_version, and refuses
//   a ledger whose version is newer than this binary knows (ErrorCode::kFatal).
// - Every method is one transaction: it commits entirely or not at all. Failures come back
//   as segsync::Error naming the ledger path (disk full / I/O: kIo; damaged file: kCorrupt;
//   locked by another process past the busy timeout: kTransient); nothing throws.
// - Batch methods take vectors; pass 1,000-10,000 items per call to bound the time a write
//   lock is held and the memory a batch needs.
// - Free texts (reasons, messages) are cut to kMaxTextBytes on a UTF-8 boundary.
// - Not thread-safe: one Ledger is used from one thread (the service's io thread).
//   Several processes may open the same file (WAL: readers never block the writer).
// - The caller supplies every time (`now`), so tests and replays control the clock.
//
// Apply flow (service): ids = RecordIntents(run, batch) -> mark_tag calls -> ConfirmIntents
// (accepted) / FailIntents (refused: retry queue). A crash in between leaves intents pending;
// the next run calls LoadPendingIntents(), reads those relationships' tags from WeCom, and
// ReconcileIntents() before planning. Planner inputs: LoadTags, LoadRelationships,
// LoadOwnedTags (only these may be removed, spec §6), LoadRetries(kDue), LoadLastSnapshot.
#pragma once

#include <cstdint>
#include <string_view>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/error.h"
#include "base/log.h"
#include "ledger/group_records.h"
#include "ledger/kpi_records.h"
#include "ledger/records.h"

namespace segsync {

struct LedgerOptions {
  RetryPolicy retry;
  int busy_timeout_ms = 5000;
  int64_t cache_kib = 65536;  // SQLite page cache per connection
  // false: a missing ledger file is an error (kInvalidInput) instead of a new empty ledger;
  // for commands that only read (`runs`, `report`).
  bool create_if_missing = true;
  // Cap on the file size in pages of 4 KiB (0 = no cap). Exceeding it behaves like a full
  // disk; tests use it to simulate one.
  int64_t max_pages = 0;
};

class Ledger {
 public:
  using Done = std::monostate;

  static Result<std::unique_ptr<Ledger>> Open(const std::string& path, Logger& log,
                                              const LedgerOptions& options = {});
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const std::string& path() const;
  // The schema version this binary creates and understands (highest sql/NNN).
  static int KnownSchemaVersion();
  Result<int> SchemaVersion();
  // PRAGMA integrity_check: "ok" or SQLite's list of problems.
  Result<std::string> IntegrityCheck();

  // --- Runs -------------------------------------------------------------------------------
  // Inserts `run` (its id is ignored) and returns the new run id.
  Result<int64_t> StartRun(const RunRecord& run);
  // Rewrites every field of run `run.id` (outcome, counts, ended_at, message, ...).
  Result<Done> FinishRun(const RunRecord& run);
  // Runs still 'running' (their process died) become 'interrupted'. Call only from the one
  // process that writes runs (the daemon at start-up, or sync before starting). Returns count.
  Result<int64_t> MarkInterruptedRuns(int64_t now);
  // Newest first.
  Result<std::vector<RunRecord>> LastRuns(int n);
  Result<std::optional<RunRecord>> GetRun(int64_t run_id);
  // The newest full run that applied changes (outcome ok or partial; not a dry run and not a
  // one-customer callback run), for the guard's shrink check and the daemon's start-up rule.
  Result<std::optional<RunRecord>> LastAppliedRun();

  // --- Plans ------------------------------------------------------------------------------
  // Inserts or refreshes a plan (keeps an existing approval).
  Result<Done> RecordPlan(const PlanRecord& plan);
  // kInvalidInput when no plan has that id.
  Result<Done> ApprovePlan(const std::string& plan_id, int64_t now);
  Result<std::optional<PlanRecord>> GetPlan(const std::string& plan_id);

  // --- Tag library (audited as create_tag / rename_tag / delete_tag) ----------------------
  Result<Done> RecordTagCreated(int64_t run_id, const TagRecord& tag, int64_t now);
  Result<Done> RenameTag(int64_t run_id, const std::string& tag_id, const std::string& new_name,
                         int64_t now);
  // Marks the tag deleted and forgets segsync's ownership of it on every relationship.
  Result<Done> MarkTagDeleted(int64_t run_id, const std::string& tag_id, int64_t now);
  Result<std::vector<TagRecord>> LoadTags(bool include_deleted = false);

  // --- Relationships ----------------------------------------------------------------------
  // Upserts what a run saw; returns the relationship ids in input order. A relationship
  // seen again is no longer gone.
  Result<std::vector<int64_t>> RecordRelationships(int64_t run_id,
                                                   const std::vector<RelationshipSeen>& seen);
  // Relationships not seen by `run_id` (and not gone yet) become gone with `reason`.
  Result<int64_t> MarkUnseenGone(int64_t run_id, const std::string& reason);
  Result<Done> MarkGone(const std::vector<int64_t>& relationship_ids, const std::string& reason);
  Result<std::vector<RelationshipRecord>> LoadRelationships(bool include_gone = false);
  // (id, userid, external_userid) of every relationship not gone, ascending by id, without
  // holding them all (the planner keeps only those with owned tags).
  using RelationshipKeySink = std::function<void(int64_t id, std::string_view userid, std::string_view external_userid)>;
  Result<Done> ForEachRelationshipKey(const RelationshipKeySink& sink);
  // How many relationships are not gone (what the last run saw): sizes the next run's read.
  Result<int64_t> CountRelationships();

  // --- Apply: write-ahead intents, ownership, retries, audit -------------------------------
  // Commits the intents (before the WeCom call) and returns their ids in input order.
  Result<std::vector<int64_t>> RecordIntents(int64_t run_id, const std::vector<TagIntent>& intents,
                                             int64_t now);
  // WeCom accepted: add -> owned, remove -> no longer owned; clears their retry rows; audit ok.
  Result<Done> ConfirmIntents(const std::vector<int64_t>& intent_ids, int64_t now);
  // WeCom refused: into the retry queue with backoff (or permanent); audit failed.
  Result<Done> FailIntents(const std::vector<IntentFailure>& failures, int64_t now);
  // Intents whose outcome was never recorded, oldest first.
  Result<std::vector<PendingIntent>> LoadPendingIntents();
  // Settles pending intents by what WeCom shows now: a change that is visible is confirmed
  // (add & present, remove & absent), the others are dropped. Audited under `run_id`.
  Result<Done> ReconcileIntents(int64_t run_id, const std::vector<IntentObservation>& seen,
                                int64_t now);
  Result<OwnedTags> LoadOwnedTags();
  Result<int64_t> CountOwnedTags();
  // kDue: not permanent and next_attempt_at <= now; kPending: not permanent; both leave out
  // relationships that are gone (never retried). kPermanent: the permanent ones; kAll: all.
  Result<std::vector<RetryItem>> LoadRetries(RetryFilter filter, int64_t now);
  Result<Done> RecordAudit(const std::vector<AuditEvent>& events);
  Result<std::vector<AuditEvent>> LoadAudit(int64_t run_id);

  // --- Snapshots and the report -----------------------------------------------------------
  // Stores the run's complete segment membership as changes against the previous one, plus
  // each segment's size. One transaction for the whole snapshot.
  Result<SnapshotDelta> RecordSnapshot(int64_t run_id, const Snapshot& snapshot);
  // The latest recorded membership and status of every profile still in some segment or
  // with a status (Snapshot::run_id = the run that recorded it).
  Result<Snapshot> LoadLastSnapshot();
  // Sizes with entered/left per (run, segment), oldest run first; runs after `since_as_of`.
  Result<std::vector<SegmentSizeRow>> LoadSegmentSizes(int64_t since_as_of = 0);
  Result<std::vector<StatusTransitionRow>> LoadStatusTransitions(int64_t since_as_of = 0);
  // Invitations sent per (run, segment), oldest run first; runs after `since_as_of`.
  Result<std::vector<InvitationCountRow>> LoadInvitationCounts(int64_t since_as_of = 0);

  // --- Group chats and campaigns ----------------------------------------------------------
  Result<Done> RecordJoinWay(const JoinWayRecord& way);  // insert or update by config_id
  Result<std::vector<JoinWayRecord>> LoadJoinWays(bool include_deleted = false);
  Result<Done> RecordInvitations(const std::vector<InvitationRecord>& invitations);
  // The newest invitation per (segment, external_userid), for reinvite_after_days.
  Result<std::vector<InvitationRecord>> LoadLastInvitations();
  // Sets the chat's members to `present` (joined_at kept for known members); members no
  // longer present get left_at = now.
  Result<Done> RecordGroupMembers(const std::string& chat_id,
                                  const std::vector<GroupMemberRecord>& present, int64_t now);
  Result<std::vector<GroupMemberRecord>> LoadGroupMembers(const std::string& chat_id);
  // Group-chat invitations (ledger_invites.cc, sql/002_groups.sql; docs/groups.md).
  // Write-ahead: rows are 'pending' before add_msg_template; returns their ids in input order.
  Result<std::vector<int64_t>> StartInvitations(const std::vector<InvitationStart>& rows);
  Result<Done> FinishInvitations(const std::vector<InvitationOutcome>& outcomes);
  // Per (segment, customer): the as-of of the newest invitation that counts (group_records.h).
  Result<std::vector<LastInvitation>> LoadLastInvitedAsOf();
  // Tasks with created invitations not yet known as sent or failed, made at or after `since`.
  Result<std::vector<OpenInvitationTask>> LoadOpenInvitationTasks(int64_t since);
  // Sets send_status/send_time of the task's invitations; returns the rows updated.
  Result<int64_t> RecordInvitationResults(const std::string& msgid,
                                          const std::vector<InvitationSendResult>& results,
                                          int64_t now);
  // chat_id -> member_version as last recorded.
  Result<std::vector<std::pair<std::string, std::string>>> LoadGroupChatVersions();
  Result<Done> RecordGroupChat(const std::string& chat_id, const std::string& member_version,
                               const std::string& name, const std::string& owner, int64_t now);
  // Invited, sent, joined, left per segment, over the whole ledger.
  Result<std::vector<GroupSegmentStats>> LoadGroupStats();
  // Claims a touch before sending it: false if (campaign, touch_date) was already claimed.
  Result<bool> ClaimCampaignTouch(const CampaignTouchRecord& touch);
  Result<Done> SetCampaignTouchMsgid(const std::string& campaign, const std::string& touch_date,
                                     const std::string& msgid);
  Result<std::vector<CampaignTouchRecord>> LoadCampaignTouches();
  // The task of a claimed touch was created: its msgid, the tag ids of its tag_filter and the
  // size of WeCom's fail_list.
  Result<Done> RecordTouchCreated(const std::string& campaign, const std::string& touch_date,
                                  const std::string& msgid, const std::vector<std::string>& tags,
                                  int64_t fail_count);
  // Forgets a claim whose add_msg_template WeCom refused (nothing was created), so that a
  // later run on the same day may try again.
  Result<Done> ReleaseCampaignTouch(const std::string& campaign, const std::string& touch_date);
  // Replaces the touch's send results with `results` (a complete read) and stamps the read.
  Result<Done> RecordTouchResults(const std::string& campaign, const std::string& touch_date,
                                  const std::vector<TouchResult>& results, int64_t now);

  // --- KPIs for the report (ledger_kpi.cc); read-only, one consistent read each ----------
  // Sizes with entered/left per (run, segment) for snapshot runs inside the window.
  Result<std::vector<SegmentSizeRow>> LoadSegmentSizesIn(const KpiWindow& w);
  // Conversions seen by runs inside the window (see ConversionEvent), oldest run first.
  Result<std::vector<ConversionEvent>> LoadConversions(const KpiWindow& w,
                                                       const std::vector<std::string>& from,
                                                       const std::vector<std::string>& to);
  Result<std::vector<SegmentAudienceRow>> LoadSegmentAudiences(const KpiWindow& w);
  // Runs (not dry runs) whose as-of is inside the window, oldest first.
  Result<std::vector<RunRecord>> LoadRunsIn(const KpiWindow& w);
  // Failed audit events of runs inside the window, most frequent first.
  Result<std::vector<FailureCountRow>> LoadFailureCounts(const KpiWindow& w);
  // Invitations sent by runs inside the window, per segment.
  Result<std::vector<InvitationKpiRow>> LoadInvitationKpis(const KpiWindow& w);
  // Every recorded touch with its result counts, by date; and reach per campaign.
  Result<std::vector<TouchKpiRow>> LoadTouchKpis();
  Result<std::vector<CampaignReachRow>> LoadCampaignReach();

  struct Impl;

 private:
  explicit Ledger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace segsync
