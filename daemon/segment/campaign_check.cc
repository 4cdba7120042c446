#include "segment/campaign_check.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

namespace segsync {

void CheckTouchQuota(const RuleSet& rules, int per_month, DiagSink& sink) {
  if (per_month <= 0) return;
  struct Ref {
    Date date;
    const Campaign* campaign;
    const Touch* touch;
  };
  std::map<std::pair<int, std::string>, std::vector<Ref>> by;  // (segment, YYYY-MM) -> touches
  for (const auto& c : rules.campaigns)
    for (const auto& t : c.touches)
      for (int s : t.segments) by[{s, FormatDate(t.date).substr(0, 7)}].push_back({t.date, &c, &t});
  for (auto& [key, refs] : by) {
    if (refs.size() <= static_cast<size_t>(per_month)) continue;
    std::stable_sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) { return a.date < b.date; });
    for (size_t i = static_cast<size_t>(per_month); i < refs.size(); ++i) {
      const Ref& r = refs[i];
      Diagnostic d{r.touch->pos, Severity::kWarning,
                   fmt::format("touch of campaign '{}' on {} is message {} in {} for segment '{}', over WeCom's "
                               "receive quota of {} per customer and month: some customers will not get it",
                               r.campaign->name, FormatDate(r.date), i + 1, key.second,
                               rules.segments[key.first].id, per_month),
                   "move it to another month, or set wecom.receive_quota_per_month if your corp's quota differs",
                   ReadSourceLine(r.touch->pos.file, r.touch->pos.line)};
      sink.Add(std::move(d));
    }
  }
}

}  // namespace segsync
