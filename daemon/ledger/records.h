// Plain values that go into and come out of the Ledger (ledger.h). No SQLite types here.
//
// Times are Unix seconds (UTC). Keys named `*_id` of type int64_t are the ledger's own
// compact keys (run id, relationship id, intent id); WeCom identifiers are strings.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace segsync {

// Longest reason or message the ledger stores; longer ones are cut (and end in "...").
inline constexpr size_t kMaxTextBytes = 2000;

enum class RunKind { kScheduled, kManual, kCallback, kDryRun };
enum class RunOutcome { kRunning, kOk, kPartial, kBlocked, kFailed, kInterrupted };

// "scheduled", "dry-run", "partial", ... as stored in the ledger and printed by `runs`.
const char* RunKindName(RunKind k);
const char* RunOutcomeName(RunOutcome o);
std::optional<RunKind> ParseRunKind(std::string_view s);
std::optional<RunOutcome> ParseRunOutcome(std::string_view s);

struct RunRecord {
  int64_t id = 0;  // assigned by Ledger::StartRun
  RunKind kind = RunKind::kManual;
  int64_t as_of = 0;
  int64_t started_at = 0;
  int64_t ended_at = 0;  // 0 while running
  std::string export_file;
  int64_t export_rows = 0;
  int64_t export_bytes = 0;
  std::string export_hash;
  RunOutcome outcome = RunOutcome::kRunning;
  // Counts as in spec §5 (plan summary) plus what the apply step did.
  int64_t profiles = 0, rows_rejected = 0, matched = 0, unmatched = 0, relations = 0;
  int64_t added = 0, removed = 0, failed = 0, unchanged = 0, api_calls = 0;
  std::string plan_id;
  std::string message;
};

// A WeCom tag that segsync created (spec §6: the only tags it manages).
struct TagRecord {
  std::string tag_id;    // WeCom's
  std::string group_id;  // WeCom's
  std::string segment_id;
  std::string group_name;
  std::string tag_name;
  int64_t created_at = 0;
  int64_t created_run = 0;  // 0 = unknown
  bool deleted = false;
};

// A relationship as observed in WeCom during a run.
struct RelationshipSeen {
  std::string userid;
  std::string external_userid;
  std::string crm_id;  // empty = no CRM profile matched
};

struct RelationshipRecord {
  int64_t id = 0;
  std::string userid;
  std::string external_userid;
  std::string crm_id;  // empty = unmatched
  int64_t first_seen_run = 0;
  int64_t last_seen_run = 0;
  bool gone = false;
  std::string gone_reason;
};

enum class TagOp { kAdd, kRemove };
const char* TagOpName(TagOp op);  // "add" | "remove"

// A tag change about to be sent to WeCom.
struct TagIntent {
  int64_t relationship_id = 0;
  std::string tag_id;  // must be in the tag library
  TagOp op = TagOp::kAdd;
};

// An intent that was recorded but whose outcome was never recorded (a crash, a kill).
struct PendingIntent {
  int64_t intent_id = 0;
  int64_t run_id = 0;
  int64_t relationship_id = 0;
  std::string userid;
  std::string external_userid;
  std::string tag_id;
  TagOp op = TagOp::kAdd;
  int64_t created_at = 0;
};

struct IntentFailure {
  int64_t intent_id = 0;
  int errcode = 0;         // WeCom errcode, or -1 for a transport failure
  std::string reason;      // short, for people; never contains the secret
  bool permanent = false;  // true: never retry (e.g. the customer deleted the member)
};

// What WeCom shows now for a pending intent's (relationship, tag).
struct IntentObservation {
  int64_t intent_id = 0;
  bool tag_present = false;
};

struct RetryItem {
  int64_t relationship_id = 0;
  std::string userid;
  std::string external_userid;
  std::string tag_id;
  TagOp op = TagOp::kAdd;
  int attempts = 0;
  int64_t first_failed_at = 0;
  int64_t next_attempt_at = 0;
  int last_errcode = 0;
  std::string last_reason;
  bool permanent = false;
};

// Retry backoff: next attempt after base * 2^(attempts-1), capped; permanent after
// max_attempts failures.
struct RetryPolicy {
  int64_t base_seconds = 300;
  int64_t cap_seconds = 86400;
  int max_attempts = 8;
};

enum class RetryFilter { kDue, kPending, kPermanent, kAll };

struct AuditEvent {
  int64_t run_id = 0;  // 0 = outside a run
  int64_t at = 0;
  std::string actor = "segsync";
  std::string action;  // add_tag, remove_tag, create_tag, rename_tag, delete_tag, invite, ...
  std::string target;  // tag changes: "userid/external_userid tag_id"
  bool ok = true;
  int errcode = 0;
  std::string reason;
};

// The tags segsync owns on each relationship, for the planner: a CSR layout that stays
// about 12 bytes per relationship plus 4 per owned tag (1.2M relationships: ~30 MB).
struct OwnedTags {
  std::vector<std::string> tag_ids;       // tag index -> WeCom tag_id
  std::vector<int64_t> relationship_ids;  // ascending; those with at least one owned tag
  std::vector<uint32_t> offsets;          // relationship_ids.size() + 1 entries into `tags`
  std::vector<uint32_t> tags;             // tag indices, ascending per relationship

  // Tag indices owned on a relationship (empty if none).
  std::span<const uint32_t> TagsOf(int64_t relationship_id) const {
    auto it = std::lower_bound(relationship_ids.begin(), relationship_ids.end(), relationship_id);
    if (it == relationship_ids.end() || *it != relationship_id) return {};
    size_t i = static_cast<size_t>(it - relationship_ids.begin());
    return std::span<const uint32_t>(tags).subspan(offsets[i], offsets[i + 1] - offsets[i]);
  }
  size_t size() const { return tags.size(); }
};

// One segment as the snapshot sees it: a `tag_from` segment is one entry per tag.
struct SegmentKey {
  std::string segment_id;
  std::string tag;
  bool operator==(const SegmentKey&) const = default;
};

struct ProfileState {
  std::string crm_id;
  std::optional<std::string> status;  // value of the KPI conversion field; nullopt = missing
  std::vector<uint32_t> segments;     // indices into Snapshot::segments
};

// The segments of every profile in one run. As input to RecordSnapshot it must be the
// complete export: a profile not listed has left all its segments.
struct Snapshot {
  int64_t run_id = 0;  // output only: the run the state was last recorded in (0 = none)
  std::vector<SegmentKey> segments;
  std::vector<ProfileState> profiles;
};

// What RecordSnapshot found changed.
struct SnapshotDelta {
  int64_t entered = 0;         // (profile, segment) pairs that entered
  int64_t left = 0;            // ... that left
  int64_t status_changed = 0;  // profiles whose status changed (or was first seen)
};

// For the report: one row per (run, segment).
struct SegmentSizeRow {
  int64_t run_id = 0;
  int64_t as_of = 0;
  SegmentKey segment;
  int64_t size = 0;
  int64_t entered = 0;
  int64_t left = 0;
};

struct StatusTransitionRow {
  int64_t run_id = 0;
  int64_t as_of = 0;
  std::optional<std::string> from;  // nullopt: first seen
  std::optional<std::string> to;
  int64_t count = 0;
};

struct InvitationCountRow {
  int64_t run_id = 0;
  int64_t as_of = 0;
  std::string segment_id;
  int64_t count = 0;
};

struct PlanRecord {
  std::string plan_id;
  int64_t created_at = 0;
  int64_t as_of = 0;
  std::string inputs_hash;
  bool blocked = false;
  std::vector<std::string> reasons;
  bool approved = false;
  int64_t approved_at = 0;
};

struct JoinWayRecord {
  std::string config_id;
  std::string segment_id;
  std::string state;
  std::string qr_code;
  std::vector<std::string> chat_ids;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  bool deleted = false;
};

struct InvitationRecord {
  std::string external_userid;
  std::string userid;
  std::string segment_id;
  std::string msgid;
  int64_t sent_at = 0;
  int64_t run_id = 0;
};

struct GroupMemberRecord {
  std::string chat_id;
  std::string external_userid;
  std::string state;  // e.g. WeCom's join_scene
  int64_t joined_at = 0;
  int64_t left_at = 0;  // 0 = still in the chat
};

struct CampaignTouchRecord {
  std::string campaign;
  std::string touch_date;  // YYYY-MM-DD
  std::vector<std::string> segments;
  std::string msgid;
  int64_t created_at = 0;
  int64_t run_id = 0;
};

}  // namespace segsync
