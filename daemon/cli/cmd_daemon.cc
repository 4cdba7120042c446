// `segsync daemon`: the sync on the configured schedule until SIGTERM; SIGHUP reloads.
// The Daemon (service/daemon.h) owns scheduling, signals, systemd and /metrics; this file
// plugs in what a reload and a run are, and feeds the run's figures to the metrics.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "base/error.h"
#include "cli/common.h"
#include "config/config.h"
#include "ledger/ledger.h"
#include "report/report_metrics.h"
#include "report/report_page.h"
#include "service/callback_service.h"
#include "service/daemon.h"
#include "service/sync.h"

namespace segsync::cli {

namespace {

ReloadResult Reload(const std::string& config_path) {
  ReloadResult r;
  DiagSink sink;
  auto ws = LoadWorkspace(config_path, sink);
  if (ws) {
    const ScheduleConfig& sc = ws->config.schedule;
    auto schedule = Schedule::FromConfig(sc.every, sc.every_pos, sc.cron, sc.cron_pos, sink);
    if (schedule) {
      DaemonSettings settings{*schedule, ws->config.tz, ws->config.metrics.listen};
      r.loaded = LoadedSet{ws, settings};
    }
  }
  r.diagnostics = sink.diagnostics();
  return r;
}

void FeedMetrics(DaemonMetrics& m, const SyncResult& r) {
  m.segment_size.Clear();
  for (const auto& [key, size] : r.segment_sizes)
    m.segment_size.Set({key.segment_id, key.tag}, static_cast<double>(size));
  if (r.plan) {
    m.relations.Set({"matched"}, static_cast<double>(r.plan->summary.relations));
    m.relations.Set({"unmatched"}, static_cast<double>(r.plan->summary.relations_unmatched));
    if (r.plan->summary.blocked) m.guard_blocks.Inc();
  }
  m.tags_changed.Inc({"added"}, static_cast<double>(r.added));
  m.tags_changed.Inc({"removed"}, static_cast<double>(r.removed));
  for (const auto& [reason, n] : r.failures_by_reason) m.tag_failures.Inc({reason}, static_cast<double>(n));
  for (const auto& [endpoint, st] : r.api.endpoints) {
    uint64_t errors = 0;
    for (const auto& [code, n] : st.errcodes) {
      m.api_calls.Inc({endpoint, std::to_string(code)}, static_cast<double>(n));
      errors += n;
    }
    // errcode 0 is counted in st.ok, not st.errcodes; calls without an errcode (transport
    // failures) are labelled "none".
    if (st.ok > 0) m.api_calls.Inc({endpoint, "0"}, static_cast<double>(st.ok));
    if (st.calls > errors + st.ok) m.api_calls.Inc({endpoint, "none"}, static_cast<double>(st.calls - errors - st.ok));
  }
  m.retry_queue_depth.Set(static_cast<double>(r.retry_queue_depth));
  for (const auto& g : r.group_stats) {  // issue 6
    const std::pair<const char*, int64_t> states[] = {
        {"invited", g.invited}, {"sent", g.sent}, {"not_sent", g.unsent}, {"not_contact", g.not_contact},
        {"quota", g.quota}, {"failed", g.failed}, {"joined", g.joined}, {"left", g.left}};
    for (const auto& [state, n] : states) m.group_invitations.Set({g.segment_id, state}, static_cast<double>(n));
    m.group_join_rate.Set({g.segment_id}, g.join_rate());
  }
}

}  // namespace

int RunDaemon(const CommandOptions& o) {
  std::string config_path = FindConfigPath(o.config_path);
  Logger log = MakeLogger(o);
  // WeCom callback events (issue 9): listener and event jobs, serialized with the runs.
  CallbackService callbacks(log);

  std::unique_ptr<KpiMetrics> kpi;  // set before Run(); its gauges are thread-safe
  auto run = [&log, &callbacks, &kpi](const RunRequest& req, std::stop_token stop, ProgressSink& progress) {
    const Workspace& ws = req.As<Workspace>();
    SyncOptions so;
    so.kind = RunKind::kScheduled;
    so.stop = stop;
    so.progress = &progress;
    SyncResult r = RunSync(ws, so, log);
    callbacks.AfterScheduledRun();  // its tag library may have changed
    if (req.metrics) FeedMetrics(*req.metrics, r);
    if (r.run_id && kpi) kpi->Update(ws, log);
    DaemonRunResult out;
    out.exit_code = static_cast<int>(r.exit_code);
    out.summary = r.run_id ? fmt::format("run {} {}", r.run_id, r.summary) : r.summary;
    out.fatal = r.fatal;
    out.interrupted = r.outcome == RunOutcome::kInterrupted;
    return out;
  };
  auto last_success = [&]() -> std::optional<SysSeconds> {
    DiagSink sink;
    auto cfg = LoadConfig(config_path, sink);
    if (!cfg) return std::nullopt;
    auto ledger = Ledger::Open(cfg->ledger_path, log);
    if (!ledger) return std::nullopt;
    auto last = (*ledger)->LastAppliedRun();
    if (!last || !*last || (*last)->outcome != RunOutcome::kOk) return std::nullopt;
    return SysSeconds{std::chrono::seconds{(*last)->ended_at}};
  };
  // The page at / is the live report of the set loaded last (reload and page both run on
  // the daemon's thread).
  std::shared_ptr<const Workspace> current;
  auto reload = [config_path, &current] {
    ReloadResult r = Reload(config_path);
    if (r.loaded) current = std::static_pointer_cast<const Workspace>(r.loaded->workspace);
    return r;
  };
  DaemonOptions options;
  options.extension = &callbacks;
  // Rendered at most every 30 s: the page runs the report's queries on the daemon's thread.
  std::string page;
  std::chrono::steady_clock::time_point page_at;
  options.index_page = [&current, &log, &page, &page_at] {
    auto now = std::chrono::steady_clock::now();
    if (current && (page.empty() || now - page_at > std::chrono::seconds(30))) {
      page = LiveReportPage(*current, log);
      page_at = now;
    }
    return page;
  };
  Daemon daemon(run, reload, last_success, log, options);
  callbacks.Attach(daemon);
  kpi = std::make_unique<KpiMetrics>(daemon.registry());
  int rc = daemon.Run();
  // A run that did not stop within the grace period is abandoned: end the process now.
  if (daemon.worker_abandoned()) std::_Exit(rc);
  return rc;
}

}  // namespace segsync::cli
