// Printers for `segsync plan --format text|json|csv` (spec §1, §5).
//
// * text: for operators. Per tag group and tag: adds, removes and sample crm_ids; then the
//   summary (identity join, relations, tags, projected calls and duration, guard verdict with
//   its reasons); then the first `max_changes` changes.
// * json: exactly the spec §5 object (keys in that order, one line, raw UTF-8, trailing "\n").
//   With group_chat segments (issue 6) it is extended, never changed: summary.invitations,
//   then "invitations" and "group_chats" after "changes" (plan/groups_plan.h).
// * csv: header `crm_id,external_userid,userid,op,tag`, one row per (change, tag), op is
//   `add` or `remove`, tag is GROUP/TAG; RFC 4180 quoting and CRLF line ends.
//   Group-chat invitations add rows with op `invite` and the segment's GROUP/TAG.
// Each writes to `out` and streams the changes (no copy of the whole document in memory).
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include "plan/plan.h"

namespace segsync {

struct TextPrintOptions {
  size_t max_changes = 20;  // changes listed at the end; 0 lists none
};

void PrintPlanText(const Plan& plan, std::ostream& out, const TextPrintOptions& options = {});
void PrintPlanJson(const Plan& plan, std::ostream& out);
void PrintPlanCsv(const Plan& plan, std::ostream& out);

// One CSV field per RFC 4180: quoted (with "" for ") when it holds , " CR or LF.
std::string CsvField(std::string_view s);

// "about 2m 05s" style duration for the projection.
std::string FormatDuration(double seconds);

}  // namespace segsync
