// Ledger values of the group-chat invitations (issue 6; docs/groups.md). No SQLite types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace segsync {

// An invitation row as a run writes it: first as 'pending' (before add_msg_template), then
// settled by an InvitationOutcome.
struct InvitationStart {
  std::string external_userid;
  std::string userid;  // the member who sends it
  std::string segment_id;
  int64_t sent_at = 0;
  int64_t run_id = 0;
};

enum class InvitationStatus { kPending, kCreated, kFailed };
const char* InvitationStatusName(InvitationStatus s);  // "pending" | "created" | "failed"

struct InvitationOutcome {
  int64_t id = 0;  // from StartInvitations
  InvitationStatus status = InvitationStatus::kCreated;
  std::string msgid;  // kCreated
  int errcode = 0;    // kFailed: WeCom's errcode (-1 transport, 0 fail_list)
  std::string reason;
};

// The newest invitation that counts for reinvite_after_days (pending, created, or refused
// through add_msg_template's fail_list, i.e. failed with errcode 0), with the
// as-of of the run that made it (spec §4: counted between runs' as-of instants).
struct LastInvitation {
  std::string segment_id;
  std::string external_userid;
  int64_t as_of = 0;
};

// A task (one msgid, one member) whose send results are not all final yet.
struct OpenInvitationTask {
  std::string msgid;
  std::string userid;
};

// One get_groupmsg_send_result row for an invitation.
struct InvitationSendResult {
  std::string external_userid;
  int status = 0;  // 0 not sent by the member (yet), 1 sent, 2 not a contact, 3 quota
  int64_t send_time = 0;
};

// Per segment, over the whole ledger (`runs`, metrics).
struct GroupSegmentStats {
  std::string segment_id;
  int64_t invited = 0;     // customers with a created invitation
  int64_t failed = 0;      // customers with an invitation WeCom refused
  int64_t sent = 0;        // customers the member sent it to (send_status 1)
  int64_t unsent = 0;      // followed up, still not sent by the member (0)
  int64_t not_contact = 0; // 2
  int64_t quota = 0;       // 3
  int64_t joined = 0;      // customers who joined a chat through the segment's join way state
  int64_t left = 0;        // ... and left it since
  double join_rate() const { return invited > 0 ? static_cast<double>(joined) / static_cast<double>(invited) : 0; }
};

}  // namespace segsync
