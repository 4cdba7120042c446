#include "service/sync.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "config/config.h"
#include "ledger/ledger.h"
#include "plan/guard.h"
#include "service/export_fetch.h"
#include "service/sync_internal.h"
#include "service/sync_steps.h"
#include "service/wecom_options.h"
#include "workspace/as_of.h"

namespace segsync {

namespace asio = boost::asio;

std::string SummaryLine(const SyncResult& r, const Plan* plan) {
  std::string s = fmt::format("{}: ", RunOutcomeName(r.outcome));
  if (plan) {
    const PlanSummary& p = plan->summary;
    s += fmt::format("{} profiles, {} matched, {} unmatched, {} relations; ", FormatCount(p.profiles),
                     FormatCount(p.matched), FormatCount(p.unmatched), FormatCount(p.relations));
  }
  s += fmt::format("{} tags added, {} removed, {} unchanged relations, {} failed, {} skipped",
                   FormatCount(r.added), FormatCount(r.removed), FormatCount(r.unchanged),
                   FormatCount(r.failed), FormatCount(r.skipped));
  if (!r.failures_by_reason.empty()) {
    s += " (";
    bool first = true;
    for (const auto& [reason, n] : r.failures_by_reason) {
      s += fmt::format("{}{}: {}", first ? "" : ", ", reason, n);
      first = false;
    }
    s += ")";
  }
  if (r.invitations_created > 0 || r.invitations_failed > 0 || !r.group_errors.empty()) {
    s += fmt::format("; group chats: {} invited, {} not invited (failed)", FormatCount(r.invitations_created),
                     FormatCount(r.invitations_failed));
    for (const auto& e : r.group_errors) s += "; " + e;
  }
  uint64_t calls = 0;
  for (const auto& [ep, st] : r.api.endpoints) calls += st.calls;
  s += fmt::format("; {} API calls; {:.1f} s", FormatCount(static_cast<int64_t>(calls)), r.seconds);
  return s;
}

SyncResult RunSync(const Workspace& ws, const SyncOptions& options, Logger& log) {
  auto started = std::chrono::steady_clock::now();
  SyncResult res;
  auto finish = [&](ExitCode code, RunOutcome outcome, std::string message) {
    res.exit_code = code;
    res.outcome = outcome;
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    res.summary = message.empty() ? SummaryLine(res, res.plan ? &*res.plan : nullptr) : message;
    return res;
  };

  Result<DateTime> as_of = ParseAsOf(options.as_of, ws.config.tz);
  if (!as_of) return finish(ExitCode::kUsage, RunOutcome::kFailed, as_of.error().message);
  if (options.progress) options.progress->Phase("reading the export");

  Result<std::string> export_path = LocalExportPath(ws.config, options.export_override, log);
  if (!export_path) return finish(ExitCode::kFatal, RunOutcome::kFailed, export_path.error().message);
  DiagSink sink;
  EvaluateOptions eo{*export_path, *as_of};
  Result<CollectedProfiles> collected = CollectProfiles(ws, eo, sink, !options.dry_run);
  for (const auto& d : sink.diagnostics()) log.Error(FormatDiagnostic(d));
  if (!collected) return finish(ExitCode::kValidationFailed, RunOutcome::kFailed, collected.error().message);
  for (const auto& d : collected->eval.row_errors) log.Warning(FormatDiagnostic(d));
  if (collected->eval.rows_rejected > 0)
    log.Warning("export rows rejected: they are left out of every segment",
                {{"rows_rejected", std::to_string(collected->eval.rows_rejected)},
                 {"export", collected->eval.export_path}});
  res.segment_sizes = collected->sizes;

  Result<std::string> secret = ReadSecret(ws.config);
  if (!secret) {
    res.fatal = true;
    return finish(ExitCode::kFatal, RunOutcome::kFailed, secret.error().message);
  }
  log.Redact(*secret);

  auto ledger = Ledger::Open(ws.config.ledger_path, log);
  if (!ledger) return finish(ExitCode::kFatal, RunOutcome::kFailed, ledger.error().message);

  asio::io_context io;
  auto client = wecom::WecomClient::Create(io, WecomOptionsFor(ws.config, *secret), log);
  if (!client) return finish(ExitCode::kFatal, RunOutcome::kFailed, client.error().message);
  std::stop_callback on_stop(options.stop, [c = client->get()] { c->RequestStop(); });

  SyncSteps steps(ws, options, log, **ledger, **client, io, *collected, *as_of, res);
  asio::co_spawn(io, steps.Run(), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      steps.Abort(fmt::format("internal error: {}", ex.what()));
    }
  });
  io.run();
  res.api = (*client)->stats();
  return finish(steps.exit_code(), steps.outcome(), steps.message());
}

}  // namespace segsync
