// Campaign touches (spec §4 `campaigns:`, issue 7): part of a real run, after the tags are
// applied (tag_filter needs them on the relationships).
//
// For every touch dated on the run's as-of day (in the configured zone):
//   1. claim (campaign, date) in the ledger: a claim that already exists means an earlier run
//      (or another process, or this daemon before a restart) handled it, so nothing is sent;
//   2. add_msg_template with tag_filter = one OR entry of the live tag ids of its segments;
//   3. record the msgid (and fail_list size). If WeCom refused the call (an errcode: nothing
//      was created) the claim is released so a later run that day may retry; if the outcome
//      is unknown (no answer) the claim stays: a touch is never sent twice.
// Then, for touches created in the last kResultDays days, reads the send results
// (get_groupmsg_task, then get_groupmsg_send_result per member) into the ledger.
// A touch dated on a day without a run is not sent later (it shows as "missed" in the report).
// Dry runs never call this. Failures are logged and audited, never fatal for the run.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>

#include "base/log.h"
#include "ledger/ledger.h"
#include "mapper/profile.h"
#include "wecom/wecom_client.h"
#include "workspace/workspace.h"

namespace segsync {

inline constexpr int64_t kResultDays = 30;         // send results re-read this long
inline constexpr size_t kMaxTouchTags = 100;       // WeCom: tags per tag_filter entry
inline constexpr size_t kMaxResultsPerTouch = 500000;

struct CampaignContext {
  const Workspace& ws;
  Ledger& ledger;
  wecom::WecomClient& client;
  Logger& log;
  int64_t run_id = 0;
  DateTime as_of;
};

struct CampaignOutcome {
  int64_t created = 0;       // tasks created by this run
  int64_t failed = 0;        // touches due whose task could not be created
  int64_t results_read = 0;  // touches whose send results were read
};

boost::asio::awaitable<CampaignOutcome> RunCampaignTouches(CampaignContext ctx);

// The touches of `rules` dated on `day`, as (campaign index, touch index).
std::vector<std::pair<size_t, size_t>> TouchesOn(const RuleSet& rules, Date day);

// The local day of an instant in the workspace's zone.
Date LocalDayOf(DateTime t, const date::time_zone* tz);

}  // namespace segsync

namespace segsync {

// For `plan` (text): the touches dated on the as-of day and what a sync would do with each,
// from the ledger when it exists (read-only). Empty when none is due.
std::string DescribeTouchesDue(const Workspace& ws, DateTime as_of, Logger& log);

}  // namespace segsync
