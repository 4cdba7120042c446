// The guard (spec §2 guard:): a pure check of a Plan that blocks a run which looks like an
// accident. A blocked run applies nothing and exits 3; the operator reviews the plan and runs
// `segsync sync --approve PLAN_ID`, which applies it when the re-computed plan has that id.
//
// It blocks when
//   * the plan removes more tags than guard.max_removals,
//   * the plan removes more than guard.max_removal_ratio of the tags segsync manages
//     (summary.managed_tags: owned per the ledger and still on WeCom; no check when 0),
//   * the export has no rows (accepted + rejected),
//   * the export has more than guard.max_export_shrink_ratio fewer rows than the last applied run,
//   * the export's header lost a mapped column (the caller says which),
//   * the plan creates more group-chat invitations than guard.max_invitations,
//   * creating the plan's new tags would pass WeCom's corp tag limit (wecom.tag_limit; only
//     when the caller knows how many corp tags exist; approving does not help there).
// Each reason is one sentence with the numbers, the setting to change and what to do next.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan/plan.h"

namespace segsync {

struct GuardSettings {
  int64_t max_removals = 1000;
  double max_removal_ratio = 0.05;
  double max_export_shrink_ratio = 0.2;
  int64_t tag_limit = 3000;  // wecom.tag_limit; 0 = no check
  int64_t max_invitations = 1000;  // guard.max_invitations: group-chat invitations per run
};

// What the guard needs besides the plan.
struct GuardFacts {
  std::optional<int64_t> last_applied_rows;  // export rows of the last applied run; none on the first
  std::vector<std::string> lost_columns;     // mapped columns missing from the export's header
  int64_t corp_tags = -1;  // corp tags in WeCom now (get_corp_tag_list, all apps); -1 = unknown
};

// The reasons to block, in a fixed order; empty when the plan may run.
std::vector<std::string> GuardReasons(const Plan& plan, const GuardSettings& settings,
                                      const GuardFacts& facts);

// Sets plan->summary.blocked and .reasons from GuardReasons. Call after BuildPlan.
void ApplyGuard(const GuardSettings& settings, const GuardFacts& facts, Plan* plan);

// True when `approve_id` (from --approve) is this plan's id: the run may go on although blocked.
bool ApprovalMatches(const Plan& plan, std::string_view approve_id);

// 1532 -> "1,532" (for messages and text output).
std::string FormatCount(int64_t n);

}  // namespace segsync
