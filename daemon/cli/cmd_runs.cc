// `segsync runs`: the run history from the ledger.
#include <cstdio>
#include <iostream>

#include <boost/json.hpp>
#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include "base/error.h"
#include "cli/common.h"
#include "ledger/ledger.h"
#include "plan/guard.h"

namespace segsync::cli {

namespace {

std::string LocalTime(int64_t t, const date::time_zone* tz) {
  if (t == 0) return "-";
  date::sys_seconds s{std::chrono::seconds{t}};
  return date::format("%F %T", date::make_zoned(tz, s));
}

}  // namespace

int RunRuns(const CommandOptions& o) {
  auto ws = LoadWorkspaceOrReport(o);
  if (!ws) return static_cast<int>(ExitCode::kValidationFailed);
  Logger log = MakeLogger(o);
  auto ledger = Ledger::Open(ws->config.ledger_path, log);
  if (!ledger) {
    std::fprintf(stderr, "segsync: %s\n", ledger.error().message.c_str());
    return static_cast<int>(ExitCode::kFatal);
  }
  auto runs = (*ledger)->LastRuns(o.last);
  if (!runs) {
    std::fprintf(stderr, "segsync: %s\n", runs.error().message.c_str());
    return static_cast<int>(ExitCode::kFatal);
  }
  if (o.format == "json") {
    boost::json::array arr;
    for (const auto& r : *runs) {
      arr.push_back(boost::json::object{
          {"id", r.id}, {"kind", RunKindName(r.kind)}, {"outcome", RunOutcomeName(r.outcome)},
          {"as_of", r.as_of}, {"started_at", r.started_at}, {"ended_at", r.ended_at},
          {"export_file", r.export_file}, {"export_rows", r.export_rows}, {"export_hash", r.export_hash},
          {"profiles", r.profiles}, {"rows_rejected", r.rows_rejected}, {"matched", r.matched},
          {"unmatched", r.unmatched}, {"relations", r.relations}, {"added", r.added},
          {"removed", r.removed}, {"failed", r.failed}, {"unchanged", r.unchanged},
          {"api_calls", r.api_calls}, {"plan_id", r.plan_id}, {"message", r.message}});
    }
    boost::json::object out{{"runs", std::move(arr)}};
    auto groups = (*ledger)->LoadGroupStats();  // issue 6: only when there are any
    if (groups && !groups->empty()) {
      boost::json::array g;
      for (const auto& st : *groups)
        g.push_back(boost::json::object{
            {"segment", st.segment_id}, {"invited", st.invited}, {"sent", st.sent},
            {"not_sent", st.unsent}, {"not_contact", st.not_contact}, {"quota", st.quota},
            {"failed", st.failed}, {"joined", st.joined}, {"join_rate", st.join_rate()},
            {"left", st.left}});
      out["group_chats"] = std::move(g);
    }
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
  }
  const date::time_zone* tz = ws->config.tz;
  std::cout << fmt::format("{:>5}  {:<9} {:<11} {:<19} {:>9} {:>9} {:>8} {:>8} {:>7} {:>9}\n", "RUN",
                           "KIND", "OUTCOME", "STARTED", "PROFILES", "MATCHED", "ADDED", "REMOVED",
                           "FAILED", "API CALLS");
  for (const auto& r : *runs) {
    std::cout << fmt::format("{:>5}  {:<9} {:<11} {:<19} {:>9} {:>9} {:>8} {:>8} {:>7} {:>9}\n", r.id,
                             RunKindName(r.kind), RunOutcomeName(r.outcome), LocalTime(r.started_at, tz),
                             FormatCount(r.profiles), FormatCount(r.matched), FormatCount(r.added),
                             FormatCount(r.removed), FormatCount(r.failed), FormatCount(r.api_calls));
    if (!r.message.empty() && r.outcome != RunOutcome::kOk)
      std::cout << "       " << r.message << "\n";
  }
  auto groups = (*ledger)->LoadGroupStats();  // issue 6 (docs/groups.md)
  if (groups && !groups->empty()) {
    std::cout << fmt::format("\nGroup chats (all runs):\n  {:<24} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8}\n",
                             "SEGMENT", "INVITED", "SENT", "NOT SENT", "JOINED", "JOIN RATE", "LEFT");
    for (const auto& st : *groups)
      std::cout << fmt::format("  {:<24} {:>8} {:>8} {:>8} {:>8} {:>8.1f}% {:>8}\n",
                               st.segment_id, FormatCount(st.invited), FormatCount(st.sent),
                               FormatCount(st.unsent + st.not_contact + st.quota), FormatCount(st.joined),
                               st.join_rate() * 100, FormatCount(st.left));
  }
  auto failed = (*ledger)->LoadRetries(RetryFilter::kAll, 0);
  if (failed && !failed->empty()) {
    std::cout << fmt::format("\n{} tag changes are waiting in the retry queue or failed for good:\n", failed->size());
    size_t shown = 0;
    for (const auto& f : *failed) {
      if (shown++ == 10) break;
      std::cout << fmt::format("  {}/{} {} {}: {} ({} attempts{})\n", f.userid, f.external_userid,
                               TagOpName(f.op), f.tag_id, f.last_reason, f.attempts,
                               f.permanent ? ", permanent" : "");
    }
  }
  return 0;
}

}  // namespace segsync::cli
