// Daemon lifecycle: first load, metrics server, signals, SIGHUP reload, SIGTERM stop.
#include <csignal>

#include "service/daemon_impl.h"

namespace segsync {

namespace asio = boost::asio;

Daemon::Impl::Impl(RunFn run, ReloadFn reload, LastSuccessFn last_success, Logger& l,
                   DaemonOptions o)
    : log(l), options(std::move(o)), run_fn(std::move(run)), reload_fn(std::move(reload)),
      last_success_fn(std::move(last_success)) {
  link->io = &io;
  AddProcessMetrics(registry, std::chrono::system_clock::now());
}

void Daemon::Impl::LogDiagnostics(const std::vector<Diagnostic>& diags) {
  for (const Diagnostic& d : diags) {
    // The first line of the compiler form: FILE:LINE:COL: error: MESSAGE.
    std::string text = FormatDiagnostic(d);
    text = text.substr(0, text.find('\n'));
    std::initializer_list<LogField> hint = {{"hint", d.hint}};
    log.Log(d.severity == Severity::kError ? LogLevel::kError : LogLevel::kWarning, text,
            d.hint.empty() ? std::initializer_list<LogField>{} : hint);
  }
}

std::optional<LoadedSet> Daemon::Impl::Load(const char* what) {
  ReloadResult result;
  try {
    result = reload_fn();
  } catch (const std::exception& e) {
    result.loaded.reset();
    result.diagnostics.push_back({{}, Severity::kError, std::string("loading failed: ") + e.what(), {}, {}});
  }
  LogDiagnostics(result.diagnostics);
  int errors = 0;
  for (const auto& d : result.diagnostics) errors += d.severity == Severity::kError;
  if (result.loaded && !result.loaded->settings.zone) {
    log.Error("loading failed: no time zone in the loaded settings");
    result.loaded.reset();
  }
  if (result.loaded && !result.loaded->settings.schedule.NextAfter(NowSeconds(),
                                                                   *result.loaded->settings.zone)) {
    log.Error("loading failed: the schedule never fires");
    result.loaded.reset();
  }
  if (errors > 0 || !result.loaded) {
    log.Error(std::string(what) + " refused: configuration has errors",
              {{"errors", std::to_string(errors)}});
    return std::nullopt;
  }
  return std::move(result.loaded);
}

int Daemon::Impl::Run() {
  auto first = Load("start");
  if (!first) return static_cast<int>(ExitCode::kValidationFailed);
  current = std::move(*first);
  log.Notice("configuration loaded", {{"schedule", current.settings.schedule.Describe()},
                                      {"timezone", current.settings.zone->name()}});
  if (!current.settings.metrics_listen.empty()) {
    auto server = HttpServer::Start(io, current.settings.metrics_listen, Routes(), options.http, log);
    if (!server.ok()) {
      log.Error("metrics server failed", {{"error", server.error().message}});
      return static_cast<int>(ExitCode::kFatal);
    }
    http = std::move(*server);
    port = http->port();
    log.Info("metrics server listening", {{"listen", current.settings.metrics_listen},
                                          {"port", std::to_string(port.load())}});
  }
  if (options.extension) {
    auto started = options.extension->Start(io, current);
    if (!started.ok()) {
      log.Error("cannot start", {{"error", started.error().message}});
      return static_cast<int>(ExitCode::kFatal);
    }
  }
  signals.emplace(io, SIGHUP, SIGTERM, SIGINT);
  WaitSignal();
  if (auto interval = notifier.WatchdogPingInterval()) TickWatchdog(*interval);
  ArmTimer();
  notifier.Ready();
  ready_flag = true;
  MaybeStartupRun();
  UpdateStatus();
  io.run();

  // io.run() returns after FinishStop(). Restore default signal dispositions.
  signals.reset();
  http.reset();
  ready_flag = false;
  log.Notice("daemon stopped", {{"runs", std::to_string(run_sequence)},
                                {"worker_abandoned", abandoned ? "yes" : "no"}});
  return static_cast<int>(ExitCode::kOk);
}

void Daemon::Impl::WaitSignal() {
  signals->async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;  // cancelled at shutdown
    if (signo == SIGHUP) {
      Reload();
    } else {
      log.Notice("signal received, stopping", {{"signal", signo == SIGINT ? "SIGINT" : "SIGTERM"}});
      BeginStop();
    }
    if (!stopping || running) WaitSignal();  // a second SIGTERM while stopping is harmless
  });
}

void Daemon::Impl::Reload() {
  if (stopping) return;
  notifier.Reloading();
  log.Notice("reloading configuration", {{"run_in_progress", running ? "yes" : "no"}});
  auto loaded = Load("reload");
  if (!loaded) {
    metrics.reload_failures.Inc();
    log.Warning("keeping the running configuration");
  } else {
    bool reschedule = loaded->settings.schedule.Describe() != current.settings.schedule.Describe() ||
                      loaded->settings.zone != current.settings.zone;
    if (loaded->settings.metrics_listen != current.settings.metrics_listen)
      log.Warning("metrics.listen changed: takes effect after a restart",
                  {{"listen", current.settings.metrics_listen}});
    loaded->settings.metrics_listen = current.settings.metrics_listen;
    current = std::move(*loaded);
    metrics.reloads.Inc();
    log.Notice("configuration reloaded; applies from the next run",
               {{"schedule", current.settings.schedule.Describe()},
                {"timezone", current.settings.zone->name()}});
    if (reschedule) ArmTimer();
  }
  notifier.Ready();
  UpdateStatus();
}

void Daemon::Impl::BeginStop() {
  if (stopping) return;
  stopping = true;
  notifier.Stopping();
  notifier.Status("stopping");
  schedule_timer.cancel();
  stop_source.request_stop();
  if (!jobs.empty() || deferred_slot)
    log.Notice("dropping queued work at stop", {{"jobs", std::to_string(jobs.size())}});
  jobs.clear();
  deferred_slot.reset();
  if (!running) {
    FinishStop();
    return;
  }
  log.Notice("waiting for the run in progress to stop",
             {{"run", std::to_string(run_sequence)},
              {"grace_ms", std::to_string(options.stop_grace.count())}});
  stop_timer.expires_after(options.stop_grace);
  stop_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !running) return;
    log.Error("run did not stop in time; exiting without it",
              {{"run", std::to_string(run_sequence)}});
    {
      std::lock_guard lock(link->mu);
      link->io = nullptr;
    }
    worker.detach();
    abandoned = true;
    running = false;
    FinishStop();
  });
}

void Daemon::Impl::FinishStop() {
  stop_timer.cancel();
  status_timer.cancel();
  watchdog_timer.cancel();
  schedule_timer.cancel();
  if (http) http->Stop();
  if (options.extension) options.extension->Stop();
  if (signals) signals->cancel();
  io.stop();
}

Daemon::Daemon(RunFn run, ReloadFn reload, LastSuccessFn last_success, Logger& log,
               DaemonOptions options)
    : impl_(std::make_unique<Impl>(std::move(run), std::move(reload), std::move(last_success), log,
                                   std::move(options))) {}

Daemon::~Daemon() {
  {
    std::lock_guard lock(impl_->link->mu);
    impl_->link->io = nullptr;  // a worker still running must not post into us any more
  }
  if (impl_->worker.joinable()) {
    if (impl_->abandoned) impl_->worker.detach();
    else impl_->worker.join();
  }
}

int Daemon::Run() { return impl_->Run(); }
void Daemon::RequestStop() { asio::post(impl_->io, [this] { impl_->BeginStop(); }); }
void Daemon::RequestReload() { asio::post(impl_->io, [this] { impl_->Reload(); }); }
void Daemon::SubmitJob(std::string kind, RunFn job) {
  asio::post(impl_->io, [this, kind = std::move(kind), job = std::move(job)]() mutable {
    if (impl_->stopping) return;
    impl_->jobs.emplace_back(std::move(kind), std::move(job));
    if (!impl_->running) impl_->StartNext();
  });
}
bool Daemon::ready() const { return impl_->ready_flag; }
uint16_t Daemon::metrics_port() const { return impl_->port; }
bool Daemon::worker_abandoned() const { return impl_->abandoned; }
MetricsRegistry& Daemon::registry() { return impl_->registry; }
DaemonMetrics& Daemon::metrics() { return impl_->metrics; }

}  // namespace segsync
