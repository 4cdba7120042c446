// The operator's view of a plan: what changes per tag, the summary, then the first changes.
#include <cmath>

#include <fmt/format.h>

#include "plan/groups_plan.h"
#include "plan/guard.h"
#include "plan/plan_print.h"

namespace segsync {
namespace {

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

void PrintTagTable(const Plan& plan, std::ostream& out) {
  const TagCatalog& cat = plan.tags;
  out << "Tags (+ adds, - removes, e.g. crm_ids):\n";
  bool any = false;
  for (uint32_t g = 0; g < cat.group_count(); ++g) {
    bool header = false;
    for (TagIndex t = 0; t < cat.size(); ++t) {
      if (cat.group_of(t) != g) continue;
      const TagStat& st = plan.tag_stats[t];
      if (st.adds == 0 && st.removes == 0) continue;
      if (!header) {
        out << "  " << cat.group_label(g) << (cat.group_exclusive(g) ? "  (exclusive)" : "") << '\n';
        header = true;
      }
      std::string line = fmt::format("    {:<24} +{:<9} -{:<9}", cat.tag_name(t), FormatCount(st.adds),
                                     FormatCount(st.removes));
      if (!st.add_samples.empty()) line += " add e.g. " + Join(st.add_samples, ", ");
      if (!st.remove_samples.empty())
        line += (st.add_samples.empty() ? " " : "; ") + std::string("remove e.g. ") +
                Join(st.remove_samples, ", ");
      if (cat.tag_id(t).empty()) line += "  (new tag: created before apply)";
      out << line << '\n';
      any = true;
    }
  }
  if (!any) out << "  no tag changes\n";
}

void PrintSummary(const Plan& plan, std::ostream& out) {
  const PlanSummary& s = plan.summary;
  const ApiProjection& a = plan.api;
  out << "\nSummary:\n";
  out << fmt::format("  profiles        {} ({} rows rejected)\n", FormatCount(s.profiles),
                     FormatCount(s.rows_rejected));
  out << fmt::format("  matched         {} (unionid {}, state {}, mobile {}); unmatched {}\n",
                     FormatCount(s.matched), FormatCount(s.matched_by[0]),
                     FormatCount(s.matched_by[1]), FormatCount(s.matched_by[2]),
                     FormatCount(s.unmatched));
  if (s.conflicts > 0)
    out << fmt::format("  conflicts       {} profiles found a customer an earlier row already has "
                       "(the earlier row keeps it)\n", FormatCount(s.conflicts));
  for (const auto& c : plan.conflicts)
    out << fmt::format("                  {} -> {}, kept by {}\n", c.crm_id, c.external_userid,
                       c.winner_crm_id);
  if (s.conflicts > static_cast<int64_t>(plan.conflicts.size()))
    out << fmt::format("                  ... {} more\n",
                       FormatCount(s.conflicts - static_cast<int64_t>(plan.conflicts.size())));
  if (s.ambiguous > 0)
    out << fmt::format("  ambiguous       {} profiles had a key value found on several customers "
                       "(that key was skipped)\n", FormatCount(s.ambiguous));
  out << fmt::format("  relations       {} selected (tag_relations: {}) of {} observed; {} change\n",
                     FormatCount(s.relations), TagRelationsName(plan.tag_relations),
                     FormatCount(s.relations_observed), FormatCount(s.relations_changed));
  out << fmt::format("  not matched     {} relationships of {} customers belong to no profile\n",
                     FormatCount(s.relations_unmatched), FormatCount(s.customers));
  if (s.orphan_relations > 0)
    out << fmt::format("  kept            {} segsync tags on {} relationships of customers no "
                       "profile claims (the profile left the export or lost its identity key); "
                       "not removed\n", FormatCount(s.orphan_tags), FormatCount(s.orphan_relations));
  out << fmt::format("  tags            +{} -{} ({} segsync-managed now", FormatCount(s.tags_added),
                     FormatCount(s.tags_removed), FormatCount(s.managed_tags));
  if (s.tags_to_create > 0) out << fmt::format(", {} to create", FormatCount(s.tags_to_create));
  out << ")\n";
  if (s.owned_not_on_wecom > 0 || s.owned_unobserved > 0)
    out << fmt::format("  ledger          {} owned tags no longer on WeCom, {} on relationships "
                       "WeCom no longer lists\n", FormatCount(s.owned_not_on_wecom),
                       FormatCount(s.owned_unobserved));
  out << fmt::format("  api calls       {} (reads {}, tag creations {}, mark_tag {}); {} at the "
                     "configured rates\n", FormatCount(s.api_calls), FormatCount(a.reads()),
                     FormatCount(a.tag_creations), FormatCount(a.mark_tag),
                     FormatDuration(a.seconds));
  if (s.blocked) {
    out << "  guard           BLOCKED\n";
    for (const auto& r : s.reasons) out << "    - " << r << '\n';
  } else {
    out << "  guard           ok\n";
  }
}

}  // namespace

std::string FormatDuration(double seconds) {
  int64_t total = static_cast<int64_t>(std::ceil(seconds));
  if (total < 60) return fmt::format("about {}s", total);
  if (total < 3600) return fmt::format("about {}m {:02}s", total / 60, total % 60);
  return fmt::format("about {}h {:02}m", total / 3600, (total % 3600) / 60);
}

void PrintPlanText(const Plan& plan, std::ostream& out, const TextPrintOptions& options) {
  out << "Plan " << plan.id << " as of " << plan.as_of << "\n\n";
  PrintTagTable(plan, out);
  PrintSummary(plan, out);
  PrintInvitationsText(plan, out);
  if (plan.changes.empty()) {
    out << "\nNo changes.\n";
    return;
  }
  if (options.max_changes == 0) return;
  const size_t n = std::min(options.max_changes, plan.changes.size());
  out << fmt::format("\nChanges (first {} of {}):\n", FormatCount(static_cast<int64_t>(n)),
                     FormatCount(static_cast<int64_t>(plan.changes.size())));
  for (size_t i = 0; i < n; ++i) {
    const PlanChange& c = plan.changes[i];
    std::string line = fmt::format("  {} {} {}", c.crm_id, c.external_userid, c.userid);
    for (TagIndex t : c.add) line += " +" + plan.tags.Key(t);
    for (TagIndex t : c.remove) line += " -" + plan.tags.Key(t);
    out << line << '\n';
  }
}

}  // namespace segsync
