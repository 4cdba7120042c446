// `plan` lists the campaign touches due on the as-of day (campaign_step.h).
#include <map>

#include <fmt/format.h>

#include "service/campaign_step.h"

namespace segsync {

std::string DescribeTouchesDue(const Workspace& ws, DateTime as_of, Logger& log) {
  Date day = LocalDayOf(as_of, ws.config.tz);
  auto due = TouchesOn(ws.rules, day);
  if (due.empty()) return {};
  std::map<std::pair<std::string, std::string>, CampaignTouchRecord> recorded;
  LedgerOptions lo;
  lo.create_if_missing = false;
  if (auto ledger = Ledger::Open(ws.config.ledger_path, log, lo)) {
    if (auto touches = (*ledger)->LoadCampaignTouches())
      for (auto& t : *touches) recorded[{t.campaign, t.touch_date}] = std::move(t);
  }
  std::string out = fmt::format("\nCampaign touches due on {}:\n", FormatDate(day));
  for (auto [ci, ti] : due) {
    const Campaign& c = ws.rules.campaigns[ci];
    const Touch& t = c.touches[ti];
    std::string segs;
    for (int s : t.segments) segs += (segs.empty() ? "" : ", ") + ws.rules.segments[s].id;
    auto it = recorded.find({c.name, FormatDate(day)});
    std::string state = it == recorded.end()     ? "a sync today creates the message task"
                        : it->second.msgid.empty() ? "claimed by an earlier run without a task; not sent again"
                                                   : "already created (msgid " + it->second.msgid + ")";
    out += fmt::format("  {}: {} -> segments {}\n    \"{}\"\n", c.name, state, segs, t.message);
  }
  return out;
}

}  // namespace segsync
