// The group-chat part of a run (issue 6, docs/groups.md). Internal to the service module;
// SyncSteps (sync_steps.h) calls it at three points:
//   1. Observe(), after reading WeCom: lists the group chats of the members (groupchat/list
//      with owner_filter) and reads each chat a group_chat segment names (groupchat/get).
//      A chat that is gone or unreadable is an error of that segment only.
//   2. Decide(), after BuildPlan and before the guard: who is invited (plan/groups_plan.h).
//   3. Apply(), after the tag apply, real runs only: records the chats' members (skipping a
//      chat whose member_version did not change), creates / updates / deletes the segments'
//      join ways, follows up earlier invitation tasks (get_groupmsg_task and
//      get_groupmsg_send_result), then creates this run's tasks (add_msg_template; the
//      invitations are written to the ledger as pending first).
// Nothing runs (no call, no ledger read beyond the join ways) when no segment has group_chat
// and the ledger has no live join way.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "plan/groups_plan.h"
#include "service/sync.h"
#include "service/sync_internal.h"

namespace segsync {

// Follow up tasks for this long after they were created; then their results stay as read.
inline constexpr int64_t kInvitationFollowUpDays = 30;

class GroupsStep {
 public:
  GroupsStep(const Workspace& ws, Logger& log, Ledger& ledger, wecom::WecomClient& client,
             SyncResult& result);

  // Loads the ledger's join ways; false when there is nothing to do for group chats.
  bool Prepare();
  bool active() const { return active_; }
  // Tags (catalog indexes) of the group_chat segments, ascending, for PlanInput::invite_tags.
  std::vector<TagIndex> InviteTags(const CollectedProfiles& in) const;
  // Step 1. Returns the error that must end the run (kFatal class, or a stop), else nullopt.
  boost::asio::awaitable<std::optional<wecom::ApiError>> Observe(const std::vector<std::string>& members);
  // Step 2. Ledger read errors come back as an Error (the run ends).
  std::optional<Error> Decide(const CollectedProfiles& in, int64_t as_of, Plan* plan);
  // Step 3. Per-item and per-segment failures are logged, audited and counted in the result.
  boost::asio::awaitable<void> Apply(int64_t run_id, const Plan& plan);
  // The ledger's per-segment figures into the result (after Apply, or for a dry run).
  void Collect();

 private:
  struct SegmentInfo {
    const Segment* segment = nullptr;
    std::string label;
    std::string state;
    std::string error;
    int errcode = 0;
  };
  static std::string Why(const wecom::ApiError& e);  // for logs and the ledger
  static int CodeOf(const wecom::ApiError& e);       // errcode, or -1 without one
  boost::asio::awaitable<void> SyncJoinWays(int64_t run_id);
  // groups_tasks.cc
  boost::asio::awaitable<void> FollowUp(int64_t run_id);
  boost::asio::awaitable<void> SendInvitations(int64_t run_id, const Plan& plan);
  void RecordMembers();
  void SegmentError(SegmentInfo& s, const std::string& message, int errcode, int64_t run_id,
                    const std::string& target);
  void Audit(int64_t run_id, const std::string& action, const std::string& target, bool ok,
             int errcode, const std::string& reason);

  const Workspace& ws_;
  Logger& log_;
  Ledger& ledger_;
  wecom::WecomClient& client_;
  SyncResult& res_;
  bool active_ = false;
  std::vector<SegmentInfo> segments_;                 // rule order
  std::map<std::string, JoinWayRecord> join_ways_;    // live, by segment id
  std::vector<JoinWayRecord> orphan_ways_;            // live ways of removed segments
  std::map<std::string, wecom::GroupChat> chats_;     // read this run, by chat_id
  std::map<std::string, std::string> chat_errors_;    // chat_id -> why it could not be read
  std::map<std::string, int> chat_errcodes_;
};

}  // namespace segsync
