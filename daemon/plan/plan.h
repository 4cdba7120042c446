// The planner: desired tags (rules) x observed relationships (WeCom) x ownership (ledger)
// -> Plan, the per-relationship diff that `plan` prints and `sync` applies (spec §1, §5, §6).
//
// Pure code: plain values in, a Plan out, no I/O. The integrator fills a PlanInput from the
// mapper/rules (profiles and their desired tags), the WeCom client (batch/get_by_user rows,
// get_corp_tag_list ids) and the ledger (what segsync put on which relationship), then calls
// BuildPlan, then ApplyGuard (plan/guard.h), then prints (plan/plan_print.h) or applies.
//
// Decisions (documented for operators in the README):
// * Identity: each profile is joined by the first key of `identity` (the mapping's order) that
//   finds a customer: unionid = external_contact.unionid, state = follow_info.state, mobile =
//   follow_info.remark_mobiles, both sides normalised by NormalizeMobile. A key value found on
//   several different customers is ambiguous: it is skipped (the next key is tried) and counted.
//   A customer is one external_userid; it may have several relationships (one per userid).
// * Conflicts: when a second profile finds a customer already claimed, the first profile in
//   export order keeps it; the later one is unmatched and listed as a conflict (no fall-through
//   to its next key: two CRM rows pointing at one WeChat user is a data problem to fix).
// * tag_relations selects which relationships of a matched customer get the tags: all, the
//   earliest createtime (first_added) or the latest one (latest); ties go to the smaller userid.
//   The customer's other relationships desire nothing, so tags segsync owns there are removed.
// * Diff per relationship: add = desired tags whose tag is not on the relationship (a tag
//   without a WeCom id is never there); remove = tags the ledger says segsync owns there, that
//   WeCom still shows, and that are no longer desired. A tag segsync does not own is never
//   removed, even with the same name (spec §6). In an exclusive group the new tag and the
//   removal of segsync's old one go in the same change: one change = one mark_tag call.
// * Customers no profile claims (the profile left the export, or lost its identity key) keep
//   segsync's tags: an export glitch must not strip tags. They are counted (orphan_*) and the
//   text output says so; the guard's shrink check catches a truncated export.
// * Desired tags: out-of-range indexes are an error; duplicates are dropped; in an exclusive
//   group only the first listed tag is kept (the rules engine already applies "first wins").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "config/config.h"
#include "mapper/mapping.h"
#include "plan/tag_catalog.h"

namespace segsync {

// IdentityKind (mapper/mapping.h) and TagRelations (config/config.h) are the mapping's and the
// config's own enums. Mobile numbers are compared after NormalizeMobile (mapper/mapper.h) on
// both sides, so the profile side may come raw or already normalised (Identity::mobile).

// One accepted export row, in export order.
struct PlanProfile {
  std::string crm_id;
  std::string unionid;  // identity values; empty = missing
  std::string state;
  std::string mobile;   // raw or normalised: the planner applies NormalizeMobile
  std::vector<TagIndex> desired;  // catalog indexes of the tags the rules give this profile
};

// One (member, customer) relationship as batch/get_by_user returns it.
struct PlanRelationship {
  std::string userid;
  std::string external_userid;
  std::string unionid;                      // external_contact.unionid; may be empty
  std::string state;                        // follow_info.state; may be empty
  std::vector<std::string> remark_mobiles;  // as typed by the member
  int64_t createtime = 0;                   // unix seconds
  std::vector<TagIndex> tags;  // catalog tags present (TagCatalog::FindById of follow_info.tag_id)
};

// The ledger's confirmed tags on one relationship: segsync put each of `tags` on (userid,
// external_userid) and WeCom confirmed it. Group the ledger rows by relationship (ORDER BY
// external_userid, userid); a relationship listed twice is merged, duplicates are ignored.
// Grouped rather than one row per tag: at 1M relationships x 3 tags that halves the memory.
struct PlanOwned {
  std::string userid;
  std::string external_userid;
  std::vector<TagIndex> tags;
};

// The ledger's confirmed tags already placed on PlanInput::relationships by the caller, who
// matched the ledger's keys to what WeCom listed (the sync does: no key strings are held per
// relationship, which at 1M relationships is most of `owned`'s memory). Relationship r owns
// tags[begin[r] .. begin[r+1]); `unobserved` counts owned tags on relationships WeCom no longer
// lists. Used instead of PlanInput::owned when `begin` is not empty.
struct PlanOwnedIndex {
  std::vector<uint32_t> begin;
  std::vector<TagIndex> tags;
  int64_t unobserved = 0;
};

// Calls per minute per endpoint (spec §2 wecom.rate_per_minute); 0 means "use default".
struct PlanRates {
  double default_per_minute = 600;
  double get_by_user_per_minute = 0;
  double mark_tag_per_minute = 0;
};

// Caps: inputs beyond these are rejected (BuildPlan returns kInvalidInput).
inline constexpr size_t kMaxPlanProfiles = 20'000'000;
inline constexpr size_t kMaxPlanRelationships = 50'000'000;
inline constexpr size_t kMaxPlanOwned = 50'000'000;  // relationships with owned tags
// WeCom limits used by the call projection (wecom-api.md §4, §5.4).
inline constexpr int64_t kMarkTagMaxIds = 50;        // tag ids per add_tag / remove_tag
inline constexpr int64_t kBatchGetRowsPerPage = 100;  // batch/get_by_user limit
inline constexpr int64_t kBatchGetUsersPerCall = 100; // batch/get_by_user userid_list

struct PlanInput {
  std::string as_of;  // as printed in the plan (ISO 8601 with offset); not part of plan_id
  TagCatalog catalog;
  std::vector<PlanProfile> profiles;
  int64_t rows_rejected = 0;  // export rows the mapper rejected (spec §3)
  std::vector<PlanRelationship> relationships;
  std::vector<std::string> members;  // get_follow_user_list; may be empty (then: observed userids)
  std::vector<PlanOwned> owned;
  PlanOwnedIndex owned_index;  // or this, matched by the caller (then `owned` must be empty)
  std::vector<IdentityKind> identity{IdentityKind::kUnionId, IdentityKind::kState,
                                     IdentityKind::kMobile};
  TagRelations tag_relations = TagRelations::kAll;
  PlanRates rates;
  // Tags of the group_chat segments (issue 6), ascending: BuildPlan lists every matched
  // profile that gets one of them in Plan::invitees.
  std::vector<TagIndex> invite_tags;
};

// One relationship that changes: exactly one mark_tag call (more only beyond 50 ids).
struct PlanChange {
  std::string crm_id;
  std::string external_userid;
  std::string userid;
  std::vector<TagIndex> add;     // Plan::tags indexes, ascending
  std::vector<TagIndex> remove;  // ascending
};

// Per catalog tag: how many relationships gain or lose it, with a few sample crm_ids.
struct TagStat {
  int64_t adds = 0;
  int64_t removes = 0;
  std::vector<std::string> add_samples;  // at most kTagStatSamples distinct crm_ids
  std::vector<std::string> remove_samples;
};
inline constexpr size_t kTagStatSamples = 3;

struct IdentityConflict {
  std::string crm_id;         // the later profile, left unmatched
  std::string winner_crm_id;  // the earlier profile that keeps the customer
  std::string external_userid;
};
inline constexpr size_t kMaxConflictSamples = 100;

struct PlanSummary {
  // The spec §5 fields.
  int64_t profiles = 0;
  int64_t rows_rejected = 0;
  int64_t matched = 0;
  int64_t unmatched = 0;
  int64_t relations = 0;          // selected relationships of matched customers
  int64_t relations_changed = 0;  // = changes.size() (includes non-selected ones losing tags)
  int64_t tags_added = 0;
  int64_t tags_removed = 0;
  int64_t api_calls = 0;
  bool blocked = false;           // set by ApplyGuard
  std::vector<std::string> reasons;
  // Beyond spec §5 (text output, metrics).
  int64_t matched_by[3] = {0, 0, 0};  // indexed by IdentityKind
  int64_t conflicts = 0;
  int64_t ambiguous = 0;              // profiles that met an ambiguous key value
  int64_t customers = 0;              // distinct external_userids observed
  int64_t relations_observed = 0;
  int64_t relations_unmatched = 0;    // relationships of customers no profile claims
  int64_t managed_tags = 0;           // owned (relationship, tag) pairs WeCom still shows
  int64_t owned_not_on_wecom = 0;     // owned per the ledger, gone from the relationship
  int64_t owned_unobserved = 0;       // owned on a relationship WeCom no longer lists
  int64_t orphan_relations = 0;       // unclaimed relationships that keep segsync tags
  int64_t orphan_tags = 0;
  int64_t tags_to_create = 0;         // tags in adds that have no WeCom id yet
  int64_t invitations = 0;            // group-chat invitations to create (plan/groups_plan.h)
};

// Group chats (issue 6, docs/groups.md). A matched profile that gets a tag of a group_chat
// segment, with the member who would invite it: the member of the customer's earliest
// relationship (createtime, then userid) among those tag_relations selects.
struct PlanInvitee {
  std::string crm_id;
  std::string external_userid;
  std::string userid;
  TagIndex tag = 0;
};

// One add_msg_template task: a segment's invitation sent by one member to at most
// kMaxInviteesPerTask customers.
struct PlanInvitation {
  std::string segment_id;
  std::string userid;
  std::vector<std::string> external_userids;
  std::vector<std::string> crm_ids;  // parallel to external_userids
};

// What the plan does for one group_chat segment (or for a removed one's join way).
struct PlanGroupSegment {
  std::string segment_id;
  std::string label;         // GROUP/TAG (GROUP/* for tag_from), for people
  std::string join_way;      // "create", "update", "keep", "delete" (segment removed)
  int64_t in_segment = 0;    // matched customers in the segment
  int64_t in_chat = 0;       // ... already in one of its chats
  int64_t recently_invited = 0;  // ... invited within reinvite_after_days
  int64_t to_invite = 0;
  std::string error;         // non-empty: nothing happens for this segment (e.g. a deleted chat)
};

// Projected WeCom calls. reads = get_follow_user_list + batch/get_by_user pages (per batch of
// 100 members, ceil(relationships / 100), at least 1) + get_corp_tag_list; writes =
// add_corp_tag (one per group with tags to create) + mark_tag (one per change).
struct ApiProjection {
  int64_t follow_user_list = 1;
  int64_t batch_pages = 0;
  int64_t tag_list = 1;
  int64_t tag_creations = 0;
  int64_t mark_tag = 0;
  double seconds = 0;  // at the configured rates, endpoints one after another
  int64_t reads() const { return follow_user_list + batch_pages + tag_list; }
  int64_t writes() const { return tag_creations + mark_tag; }
  int64_t total() const { return reads() + writes(); }
};

struct Plan {
  std::string id;     // 16 hex digits; see ComputePlanId
  std::string as_of;
  TagRelations tag_relations = TagRelations::kAll;
  TagCatalog tags;    // a copy of the input catalog; SetTagId here after creating tags
  PlanSummary summary;
  ApiProjection api;
  std::vector<PlanChange> changes;  // export order, then createtime within a customer
  std::vector<TagStat> tag_stats;   // parallel to tags
  std::vector<IdentityConflict> conflicts;  // the first kMaxConflictSamples
  std::vector<TagIndex> missing_tags;       // to create before apply, ascending
  // Group chats: candidates from BuildPlan; the sync fills the rest (plan/groups_plan.h).
  std::vector<PlanInvitee> invitees;        // export order
  std::vector<PlanGroupSegment> group_segments;
  std::vector<PlanInvitation> invitations;  // by segment (rule order), then userid
};

// Builds the plan. Fails (kInvalidInput) only on caps or tag indexes outside the catalog.
// Time and memory are linear: 1M profiles / 1.2M relationships take about a second.
Result<Plan> BuildPlan(const PlanInput& in);

// A stable digest of what an approval approves: the identity order, tag_relations, the
// summary counts (profiles, rows_rejected, matched, unmatched, relations, managed_tags) and
// every change by name (crm_id, external_userid, userid, GROUP/TAG adds and removes). It leaves
// out as_of and tag ids, so re-planning the same inputs later (or after the tags were created)
// gives the same id, while any change in the inputs that changes the plan changes it.
std::string ComputePlanId(const Plan& plan, const std::vector<IdentityKind>& identity);

}  // namespace segsync
