// Who a sync invites into group chats (issue 6, docs/groups.md): the pure decision and its
// printers. No I/O: the sync reads the chats and the ledger, then calls DecideInvitations
// after BuildPlan (which lists the candidates in Plan::invitees) and before ApplyGuard.
//
// Rules, per group_chat segment, for each candidate (a matched customer with a tag of the
// segment; the member is the one BuildPlan chose):
//   * a segment with an error (a chat that is gone or unreadable) invites nobody;
//   * a customer already in one of the segment's chats is not invited;
//   * a customer whose last invitation for this segment is less than reinvite_after_days
//     before this run's as-of is not invited (counted between as-of instants, spec §4);
//   * each customer is invited once per segment per run (duplicates dropped, first kept);
//   * invitations are grouped per member, in userid order, at most kMaxInviteesPerTask
//     customers per task (add_msg_template's external_userid cap, wecom-api.md §7.1).
// The plan id is extended with the invitations, so an approval covers exactly them.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "plan/plan.h"

namespace segsync {

inline constexpr size_t kMaxInviteesPerTask = 10'000;

struct GroupSegmentInput {
  std::string segment_id;
  std::string label;                 // GROUP/TAG, printed in the plan
  std::vector<TagIndex> tags;        // the segment's tags in the plan's catalog
  int reinvite_after_days = 30;
  std::string join_way = "create";   // what the sync will do with its join way
  std::string error;                 // non-empty: nobody is invited
  std::unordered_set<std::string> in_chats;  // external_userids now in any of its chats
};

// segment_id + '\x1f' + external_userid -> as-of (unix seconds) of the last invitation.
using LastInvitedIndex = std::unordered_map<std::string, int64_t>;
inline std::string InviteKey(const std::string& segment_id, const std::string& external_userid) {
  return segment_id + '\x1f' + external_userid;
}

// Fills plan->group_segments (input order, then `removed` join ways as "delete"),
// plan->invitations and plan->summary.invitations, and extends plan->id.
void DecideInvitations(const std::vector<GroupSegmentInput>& segments,
                       const std::vector<std::string>& removed, const LastInvitedIndex& last,
                       int64_t as_of, size_t max_per_task, Plan* plan);

// The join way's state for a segment: "sg_" + id when that fits in 30 ASCII characters of
// [A-Za-z0-9_-], else "sg#" + 16 hex digits of a hash of the id (stable across runs).
std::string JoinWayState(const std::string& segment_id);

// Printers used by plan_print's text, JSON and CSV (nothing printed without group segments).
void PrintInvitationsText(const Plan& plan, std::ostream& out);
// `,"invitations":[...],"group_chats":[...]` to append after "changes".
void PrintInvitationsJson(const Plan& plan, std::ostream& out);
// One row per invited customer: crm_id,external_userid,userid,invite,GROUP/TAG (the label).
void PrintInvitationsCsv(const Plan& plan, std::ostream& out);

}  // namespace segsync
