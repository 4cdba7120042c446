#include "plan/guard.h"

#include <fmt/format.h>

namespace segsync {

std::string FormatCount(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

std::vector<std::string> GuardReasons(const Plan& plan, const GuardSettings& settings,
                                      const GuardFacts& facts) {
  const PlanSummary& s = plan.summary;
  const std::string approve = fmt::format(
      "review with `segsync plan`, then approve with `segsync sync --approve {}`", plan.id);
  const std::string approve_only = fmt::format("`segsync sync --approve {}`", plan.id);
  std::vector<std::string> reasons;
  if (!facts.lost_columns.empty()) {
    std::string cols;
    for (const auto& c : facts.lost_columns) cols += (cols.empty() ? "" : ", ") + c;
    reasons.push_back(fmt::format(
        "the export's header lost mapped column{} {}; fix the export or the mapping before syncing",
        facts.lost_columns.size() == 1 ? "" : "s", cols));
  }
  const int64_t rows = s.profiles + s.rows_rejected;
  if (rows == 0) {
    reasons.push_back(fmt::format(
        "the export has no rows; check crm.export, and if it is really empty, approve with {}",
        approve_only));
  } else if (facts.last_applied_rows && *facts.last_applied_rows > 0) {
    const int64_t last = *facts.last_applied_rows;
    const double shrink = static_cast<double>(last - rows) / static_cast<double>(last);
    if (shrink > settings.max_export_shrink_ratio) {
      reasons.push_back(fmt::format(
          "the export has {} rows, {:.1f}% fewer than the {} rows of the last applied run, more "
          "than guard.max_export_shrink_ratio = {}; check the CRM export, and if the drop is real, "
          "approve with {}",
          FormatCount(rows), shrink * 100, FormatCount(last), settings.max_export_shrink_ratio,
          approve_only));
    }
  }
  if (s.tags_removed > settings.max_removals) {
    reasons.push_back(fmt::format("would remove {} tags, more than guard.max_removals = {}; {}",
                                  FormatCount(s.tags_removed), settings.max_removals, approve));
  }
  if (s.managed_tags > 0) {
    const double ratio = static_cast<double>(s.tags_removed) / static_cast<double>(s.managed_tags);
    if (ratio > settings.max_removal_ratio) {
      reasons.push_back(fmt::format(
          "would remove {} of the {} tags segsync manages ({:.1f}%), more than "
          "guard.max_removal_ratio = {}; {}",
          FormatCount(s.tags_removed), FormatCount(s.managed_tags), ratio * 100,
          settings.max_removal_ratio, approve));
    }
  }
  if (s.invitations > settings.max_invitations) {
    reasons.push_back(fmt::format(
        "would invite {} customers into group chats, more than guard.max_invitations = {}; {}",
        FormatCount(s.invitations), settings.max_invitations, approve));
  }
  if (settings.tag_limit > 0 && facts.corp_tags >= 0 && s.tags_to_create > 0 &&
      facts.corp_tags + s.tags_to_create > settings.tag_limit) {
    reasons.push_back(fmt::format(
        "would create {} tags, but the corp has {} and WeCom allows wecom.tag_limit = {}; remove "
        "unused tags in the admin console or narrow the rules (tag_from values:, max_tags:)",
        FormatCount(s.tags_to_create), FormatCount(facts.corp_tags), settings.tag_limit));
  }
  return reasons;
}

void ApplyGuard(const GuardSettings& settings, const GuardFacts& facts, Plan* plan) {
  plan->summary.reasons = GuardReasons(*plan, settings, facts);
  plan->summary.blocked = !plan->summary.reasons.empty();
}

bool ApprovalMatches(const Plan& plan, std::string_view approve_id) {
  return !approve_id.empty() && approve_id == plan.id;
}

}  // namespace segsync
