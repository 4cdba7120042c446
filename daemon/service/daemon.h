// `segsync daemon`: runs the sync on the configured schedule until SIGTERM; SIGHUP reloads.
//
// The daemon does not know what a sync is. The integrator plugs in three functions:
//   ReloadFn      loads and validates config + mapping + rules; returns an immutable set
//                 (opaque to the daemon) and the settings the daemon needs, or diagnostics.
//   RunFn         one run (plan -> guard -> apply -> record) against a given set.
//   LastSuccessFn when the last successful run ended (from the ledger), for the start-up rule.
//
// Threads: Run() owns one io_context on the calling thread: the schedule timer, the signals
// (asio::signal_set: SIGHUP, SIGTERM, SIGINT), sd_notify STATUS/WATCHDOG and the metrics HTTP
// server all live there and stay responsive during a run. A run executes on its own worker
// thread (the WeCom client brings its own io_context); at most one run at a time. A slot that
// comes while a run is still going is skipped, logged and counted
// (segsync_scheduled_runs_skipped_total).
//
// Lifecycle of Run():
//   1. ReloadFn. Any error: every diagnostic is logged (FILE:LINE:COL) and Run returns 1.
//   2. The metrics server listens on settings.metrics_listen (empty: none); failure returns 4.
//      Then options.extension->Start (e.g. the WeCom callback listener); failure returns 4.
//   3. Signals are handled; READY=1; if LastSuccessFn says the last success is older than one
//      period (Schedule::NominalPeriod) or never happened, a "startup" run starts at once.
//   4. Scheduled runs. SIGHUP (or RequestReload): RELOADING=1, ReloadFn; on errors every
//      diagnostic is logged, segsync_reload_failures_total counts it and the running set
//      stays; on success the new set (and schedule) applies from the next run. A run in
//      progress is never interrupted and keeps the set it started with. Then READY=1.
//   5. SIGTERM/SIGINT (or RequestStop): STOPPING=1, the run's std::stop_token is triggered
//      (the run stops starting new WeCom calls, lets in-flight ones finish and records itself
//      as interrupted), Run waits for it at most options.stop_grace (8 s), then returns 0.
//      If the run did not finish in time it is abandoned: worker_abandoned() is true and the
//      caller must end the process with std::_Exit/quick_exit (no static destructors).
//
// Jobs (SubmitJob): short one-off work such as the WeCom callback events, run on the same
// worker thread as the runs, so never at the same time as a run or another job. A job waits
// for the run in progress; a slot that comes while a job runs is deferred until it ends (not
// skipped), and a deferred slot goes before the next queued job. Jobs are not runs: they do
// not count in segsync_runs_total nor move the last-run gauges; they log "job finished".
//
// Minimal wiring in cmd_daemon.cc:
//   segsync::Daemon d(run, reload, last_success, logger);
//   int rc = d.Run();
//   if (d.worker_abandoned()) std::_Exit(rc);
//   return rc;
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <variant>
#include <stop_token>
#include <string>
#include <vector>

#include "base/diag.h"
#include "base/error.h"
#include "base/log.h"
#include "service/daemon_metrics.h"
#include "service/http_server.h"
#include "service/progress.h"
#include "service/schedule.h"

namespace boost::asio {
class io_context;
}

namespace segsync {

// What the daemon itself needs from a loaded configuration.
struct DaemonSettings {
  Schedule schedule;                              // from schedule.every / schedule.cron
  const date::time_zone* zone = nullptr;          // `timezone`; required
  std::string metrics_listen = "127.0.0.1:9464";  // metrics.listen; read at start only
};

// One immutable loaded configuration. `workspace` is the integrator's own object (e.g. a
// struct holding Config, Mapping and RuleSet); the daemon only hands it to RunFn.
struct LoadedSet {
  std::shared_ptr<const void> workspace;
  DaemonSettings settings;
};

struct ReloadResult {
  std::optional<LoadedSet> loaded;      // set iff there was no error
  std::vector<Diagnostic> diagnostics;  // every error and warning, with FILE:LINE:COL
};
// Called on the daemon thread, at start and on each SIGHUP; may throw (counts as a failure).
using ReloadFn = std::function<ReloadResult()>;

struct RunRequest {
  std::string kind;                        // "scheduled" | "startup"
  int64_t sequence = 0;                    // 1, 2, ... within this daemon process
  SysSeconds slot;                         // the schedule slot (start-up: the start time)
  std::shared_ptr<const void> workspace;   // the set current when the run started
  DaemonMetrics* metrics = nullptr;        // for the run's own families (thread-safe)

  // The workspace as the integrator's type: req.As<MyWorkspace>().
  template <typename W>
  const W& As() const { return *static_cast<const W*>(workspace.get()); }
};

struct DaemonRunResult {
  int exit_code = 0;         // spec §1: 0 ok, 3 guard blocked, 4 fatal, 5 partial failure
  std::string summary;       // one line for the log, STATUS= and /healthz
  bool fatal = false;        // bad secret, no permission, IP not trusted: /healthz 503
                             // until a later run is not fatal
  bool interrupted = false;  // stopped by the stop_token
};

// Runs on the worker thread. Must watch `stop` and return soon after it is triggered.
// Exceptions are caught and count as outcome "error".
using RunFn = std::function<DaemonRunResult(const RunRequest&, std::stop_token stop, ProgressSink&)>;
// nullopt: no successful run yet. Called once, on the daemon thread, at start.
using LastSuccessFn = std::function<std::optional<SysSeconds>()>;
// The HTML of GET / (the report module's dashboard). Called on the daemon thread: keep it quick.
using PageFn = std::function<std::string()>;

// Work that lives on the daemon's io thread beside the metrics server (the WeCom callback
// listener). Start and Stop are called on the io thread.
class DaemonExtension {
 public:
  virtual ~DaemonExtension() = default;
  // After the first load and the metrics server. An error ends Run() with exit code 4.
  virtual Result<std::monostate> Start(boost::asio::io_context& io, const LoadedSet& loaded) = 0;
  // When stopping: stop accepting work (jobs still queued are dropped by the daemon).
  virtual void Stop() = 0;
};

struct DaemonOptions {
  std::chrono::milliseconds stop_grace{8000};       // wait for a stopping run at most this long
  std::chrono::milliseconds status_interval{1000};  // STATUS= refresh during a run
  std::chrono::seconds stall_tolerance{60};  // /healthz 503 when a slot is this overdue
  HttpServerOptions http;
  PageFn index_page;                         // empty: a minimal page with links
  DaemonExtension* extension = nullptr;      // not owned; must outlive Run()
};

class Daemon {
 public:
  Daemon(RunFn run, ReloadFn reload, LastSuccessFn last_success, Logger& log,
         DaemonOptions options = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Blocks until stopped (see the lifecycle above). Returns a spec §1 exit code: 0 after a
  // stop, 1 when the first load failed, 4 when the metrics address cannot be used.
  int Run();

  // Thread-safe equivalents of SIGTERM and SIGHUP.
  void RequestStop();
  void RequestReload();
  // Thread-safe. Queues a job (see "Jobs" above); `kind` names it in the log. The job gets the
  // configuration current when it starts. Dropped when the daemon is stopping.
  void SubmitJob(std::string kind, RunFn job);

  // Thread-safe observers.
  bool ready() const;             // loaded, listening, signals handled
  uint16_t metrics_port() const;  // 0 until listening
  bool worker_abandoned() const;  // see lifecycle step 5

  // The registry, for extra families before Run(); the segsync families.
  MetricsRegistry& registry();
  DaemonMetrics& metrics();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The label of segsync_runs_total for an outcome: success partial blocked fatal interrupted error.
std::string OutcomeLabel(const DaemonRunResult& outcome);

}  // namespace segsync
