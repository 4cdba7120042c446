// Plain values for the KPI report and the engagement calendar (issue 7), read from and
// written to the Ledger (ledger.h, implemented in ledger_kpi.cc). No SQLite types here.
//
// A "window" is a closed range of run as-of instants [from_as_of, to_as_of] (Unix seconds):
// the report's --from/--to days turned into instants in the configured time zone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace segsync {

struct KpiWindow {
  int64_t from_as_of = 0;           // inclusive
  int64_t to_as_of = INT64_MAX;     // inclusive
};

// One conversion (a status change from one of `from` to one of `to`) of a profile, paired
// with one segment the profile was in just before (in the snapshot before the converting
// run). A conversion of a profile that was in no segment comes once with an empty segment.
struct ConversionEvent {
  int64_t run_id = 0;
  int64_t as_of = 0;                // of the run that saw the new status
  std::string crm_id;
  std::string from_status, to_status;
  std::string segment_id, tag;      // empty: in no segment before converting
  int64_t entered_as_of = 0;        // as-of of the run where it entered that segment
};

// Distinct profiles in a segment in at least one snapshot of the window.
struct SegmentAudienceRow {
  std::string segment_id, tag;
  int64_t profiles = 0;
};

// Per-item failures recorded in the audit trail, by action and reason.
struct FailureCountRow {
  std::string action;   // add_tag, remove_tag, create_tag, invite, campaign_touch, ...
  std::string reason;
  int64_t count = 0;
};

// Group invitations of a segment sent in the window (WeCom accepted the task), and how many
// invited customers received one and then joined through the segment's join way (at or
// after their first invitation).
struct InvitationKpiRow {
  std::string segment_id;
  int64_t invitations = 0;
  int64_t customers = 0;  // distinct customers invited
  int64_t sent = 0;       // ... whose invitation WeCom reports as sent
  int64_t joined = 0;
};

// A campaign touch as recorded, with its send results counted.
struct TouchKpiRow {
  std::string campaign;
  std::string touch_date;           // YYYY-MM-DD
  std::vector<std::string> segments;
  std::string msgid;                // empty: claimed, but the task was not created
  int64_t created_at = 0;
  int64_t run_id = 0;
  int64_t fail_count = 0;           // add_msg_template's fail_list
  int64_t results_read_at = 0;      // 0 = never read
  int64_t targeted = 0, sent = 0, unsent = 0, not_friend = 0, quota = 0;
};

// Distinct customers a campaign's touches reached (send status 1).
struct CampaignReachRow {
  std::string campaign;
  int64_t targeted = 0;
  int64_t reached = 0;
};

// One line of get_groupmsg_send_result.
struct TouchResult {
  std::string userid;
  std::string external_userid;
  int status = 0;  // 0 unsent, 1 sent, 2 not a friend, 3 quota
  int64_t send_time = 0;
};

}  // namespace segsync
