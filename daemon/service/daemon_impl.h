// Private to daemon*.cc: the state of a Daemon. Everything not marked otherwise is touched
// only on the daemon's io thread.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>

#include "service/daemon.h"
#include "service/notifier.h"

namespace segsync {

// Shared between the daemon and a run's worker thread, so that a worker abandoned at
// shutdown never posts into a destroyed io_context.
struct WorkerLink {
  std::mutex mu;
  boost::asio::io_context* io = nullptr;  // null once abandoned
  template <typename F>
  void Post(F&& f);
};

struct Daemon::Impl {
  Impl(RunFn run, ReloadFn reload, LastSuccessFn last_success, Logger& log, DaemonOptions options);

  // daemon.cc: lifecycle, signals, reload, stop.
  int Run();
  void WaitSignal();
  void Reload();
  void BeginStop();
  void FinishStop();
  void LogDiagnostics(const std::vector<Diagnostic>& diags);
  std::optional<LoadedSet> Load(const char* what);

  // daemon_schedule.cc: timer, runs, status.
  void ArmTimer(std::optional<SysSeconds> fired_slot = std::nullopt);
  void OnTimer();
  void MaybeStartupRun();
  void StartRun(const std::string& kind, SysSeconds slot);
  // Jobs (SubmitJob): started when the worker is free; a deferred slot goes first.
  void StartNext();
  void StartJob();
  void OnJobDone(std::string kind, DaemonRunResult outcome, std::chrono::system_clock::time_point start);
  void OnRunDone(DaemonRunResult outcome, SysSeconds slot, std::chrono::system_clock::time_point start,
                 std::chrono::system_clock::time_point end);
  void UpdateStatus();
  void TickStatus();
  void TickWatchdog(std::chrono::microseconds interval);
  std::string StatusText() const;

  // daemon_http.cc
  HttpRoutes Routes();
  HttpResponse Health() const;
  std::string DefaultPage() const;

  Logger& log;
  DaemonOptions options;
  RunFn run_fn;
  ReloadFn reload_fn;
  LastSuccessFn last_success_fn;
  MetricsRegistry registry;
  DaemonMetrics metrics{registry};
  SdNotifier notifier{log};

  boost::asio::io_context io;
  boost::asio::system_timer schedule_timer{io};
  boost::asio::steady_timer status_timer{io};
  boost::asio::steady_timer watchdog_timer{io};
  boost::asio::steady_timer stop_timer{io};
  std::optional<boost::asio::signal_set> signals;
  std::unique_ptr<HttpServer> http;

  LoadedSet current;
  std::optional<SysSeconds> next_fire;
  bool running = false;      // the worker is busy: a run or a job
  bool job_running = false;  // ... with a job
  std::optional<SysSeconds> deferred_slot;  // a slot that came during a job
  std::deque<std::pair<std::string, RunFn>> jobs;
  bool stopping = false;
  int64_t run_sequence = 0;
  std::thread worker;
  std::stop_source stop_source;
  std::shared_ptr<ProgressSink> progress = std::make_shared<ProgressSink>();
  std::shared_ptr<WorkerLink> link = std::make_shared<WorkerLink>();
  std::optional<DaemonRunResult> last_outcome;
  std::string last_status;

  std::atomic<bool> ready_flag{false};
  std::atomic<uint16_t> port{0};
  std::atomic<bool> abandoned{false};
};

template <typename F>
void WorkerLink::Post(F&& f) {
  std::lock_guard lock(mu);
  if (io) boost::asio::post(*io, std::forward<F>(f));
}

SysSeconds NowSeconds();

}  // namespace segsync
