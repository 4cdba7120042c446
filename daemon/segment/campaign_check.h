// Checks of the engagement calendar that need the main config (the rule loader itself checks
// coverage and dates; see rule_check.cc).
#pragma once

#include "base/diag.h"
#include "segment/rules.h"

namespace segsync {

// WeCom caps how many mass messages one customer receives (wecom-api.md §7: the quota is
// version-dependent; wecom.receive_quota_per_month, default 4). For every segment and
// calendar month, counts the touches (of all campaigns) that name the segment and warns at
// each touch past `per_month`: its customers would not all receive it. A customer in
// several touched segments may reach the quota sooner; that is not predicted here.
void CheckTouchQuota(const RuleSet& rules, int per_month, DiagSink& sink);

}  // namespace segsync
