// Daemon scheduling: the slot timer, the start-up catch-up run, one run at a time on a worker
// thread, skipped slots, and the STATUS= / WATCHDOG=1 notifications.
#include <fmt/format.h>

#include "service/daemon_impl.h"

namespace segsync {

namespace {

using Clock = std::chrono::system_clock;

double UnixSeconds(Clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::string LocalTime(SysSeconds t, const date::time_zone* zone) {
  return date::format("%Y-%m-%dT%H:%M:%S%z", date::make_zoned(zone, t));
}

}  // namespace

SysSeconds NowSeconds() { return std::chrono::floor<std::chrono::seconds>(Clock::now()); }

std::string OutcomeLabel(const DaemonRunResult& o) {
  if (o.interrupted) return "interrupted";
  if (o.fatal) return "fatal";
  switch (o.exit_code) {
    case 0: return "success";
    case 3: return "blocked";
    case 4: return "fatal";
    case 5: return "partial";
    default: return "error";
  }
}

void Daemon::Impl::ArmTimer(std::optional<SysSeconds> fired_slot) {
  schedule_timer.cancel();
  if (stopping) return;
  SysSeconds from = NowSeconds();
  // Never the same slot twice, even if the timer fired a little early.
  if (fired_slot && *fired_slot > from) from = *fired_slot;
  next_fire = current.settings.schedule.NextAfter(from, *current.settings.zone);
  if (!next_fire) {
    log.Error("the schedule has no next slot", {{"schedule", current.settings.schedule.Describe()}});
    return;
  }
  metrics.next_run.Set(static_cast<double>(next_fire->time_since_epoch().count()));
  schedule_timer.expires_at(Clock::time_point(*next_fire));
  schedule_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) OnTimer();
  });
  log.Debug("next run scheduled", {{"at", LocalTime(*next_fire, current.settings.zone)}});
}

void Daemon::Impl::OnTimer() {
  if (stopping) return;
  SysSeconds slot = *next_fire;
  if (running && job_running) {
    // A job is short (callback events): the slot runs right after it instead of being lost.
    deferred_slot = slot;
    log.Info("scheduled run deferred until the job in progress ends",
             {{"slot", LocalTime(slot, current.settings.zone)}});
  } else if (running) {
    metrics.scheduled_runs_skipped.Inc();
    log.Warning("scheduled run skipped: the previous run is still in progress",
                {{"slot", LocalTime(slot, current.settings.zone)},
                 {"run", std::to_string(run_sequence)}});
  } else {
    StartRun("scheduled", slot);
  }
  ArmTimer(slot);
  UpdateStatus();
}

void Daemon::Impl::MaybeStartupRun() {
  std::optional<SysSeconds> last;
  try {
    if (last_success_fn) last = last_success_fn();
  } catch (const std::exception& e) {
    log.Warning("cannot read the last successful run", {{"error", e.what()}});
  }
  SysSeconds now = NowSeconds();
  auto period = current.settings.schedule.NominalPeriod(now, *current.settings.zone);
  if (last) metrics.last_success.Set(static_cast<double>(last->time_since_epoch().count()));
  if (last && now - *last <= period) {
    log.Info("no start-up run: the last success is recent",
             {{"last_success", LocalTime(*last, current.settings.zone)}});
    return;
  }
  log.Notice("start-up run: the last success is older than one period",
             {{"last_success", last ? LocalTime(*last, current.settings.zone) : "never"},
              {"period_s", std::to_string(period.count())}});
  StartRun("startup", now);
}

void Daemon::Impl::StartRun(const std::string& kind, SysSeconds slot) {
  if (worker.joinable()) worker.join();  // the previous worker has posted its result already
  running = true;
  ++run_sequence;
  progress->Reset(run_sequence);
  if (stop_source.stop_requested() && !stopping) stop_source = std::stop_source();
  auto start = Clock::now();
  metrics.last_run_start.Set(UnixSeconds(start));
  metrics.run_in_progress.Set(1);
  RunRequest request{kind, run_sequence, slot, current.workspace, &metrics};
  log.Info("run started", {{"run", std::to_string(run_sequence)}, {"kind", kind}});
  worker = std::thread([this, fn = run_fn, request = std::move(request), token = stop_source.get_token(),
                        progress = progress, link = link, start, slot] {
    DaemonRunResult outcome;
    try {
      outcome = fn(request, token, *progress);
    } catch (const std::exception& e) {
      outcome = DaemonRunResult{-1, std::string("run failed with an exception: ") + e.what(), false,
                           token.stop_requested()};
    }
    auto end = Clock::now();
    // Post does nothing once the daemon has abandoned this worker, so `this` is alive here.
    link->Post([this, outcome = std::move(outcome), slot, start, end]() mutable {
      OnRunDone(std::move(outcome), slot, start, end);
    });
  });
  UpdateStatus();
  status_timer.expires_after(options.status_interval);
  status_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) TickStatus();
  });
}

void Daemon::Impl::OnRunDone(DaemonRunResult outcome, SysSeconds slot, Clock::time_point start,
                             Clock::time_point end) {
  if (worker.joinable()) worker.join();
  running = false;
  status_timer.cancel();
  std::string label = OutcomeLabel(outcome);
  double duration = std::chrono::duration<double>(end - start).count();
  metrics.runs.Inc({label});
  metrics.last_run_end.Set(UnixSeconds(end));
  metrics.run_duration.Set(duration);
  metrics.run_in_progress.Set(0);
  if (!outcome.interrupted && (outcome.exit_code == 0 || outcome.exit_code == 5))
    metrics.last_success.Set(UnixSeconds(end));
  LogLevel level = label == "success" || label == "interrupted" ? LogLevel::kInfo
                   : label == "partial" || label == "blocked"   ? LogLevel::kWarning
                                                                : LogLevel::kError;
  log.Log(level, "run finished",
          {{"run", std::to_string(run_sequence)},
           {"outcome", label},
           {"exit_code", std::to_string(outcome.exit_code)},
           {"duration_s", fmt::format("{:.3f}", duration)},
           {"summary", outcome.summary}});
  last_outcome = std::move(outcome);
  if (stopping) {
    FinishStop();
    return;
  }
  StartNext();
  UpdateStatus();
}

void Daemon::Impl::StartNext() {
  if (running || stopping) return;
  if (deferred_slot) {
    SysSeconds slot = *deferred_slot;
    deferred_slot.reset();
    StartRun("scheduled", slot);
  } else if (!jobs.empty()) {
    StartJob();
  }
}

void Daemon::Impl::StartJob() {
  if (worker.joinable()) worker.join();
  auto [kind, fn] = std::move(jobs.front());
  jobs.pop_front();
  running = true;
  job_running = true;
  if (stop_source.stop_requested() && !stopping) stop_source = std::stop_source();
  auto start = Clock::now();
  RunRequest request{kind, 0, NowSeconds(), current.workspace, &metrics};
  log.Debug("job started", {{"kind", kind}});
  worker = std::thread([this, fn = std::move(fn), kind = kind, request = std::move(request),
                        token = stop_source.get_token(), link = link, start] {
    DaemonRunResult outcome;
    ProgressSink progress;
    try {
      outcome = fn(request, token, progress);
    } catch (const std::exception& e) {
      outcome = DaemonRunResult{-1, std::string("job failed with an exception: ") + e.what(), false,
                                token.stop_requested()};
    }
    link->Post([this, kind, outcome = std::move(outcome), start]() mutable {
      OnJobDone(std::move(kind), std::move(outcome), start);
    });
  });
  UpdateStatus();
}

void Daemon::Impl::OnJobDone(std::string kind, DaemonRunResult outcome, Clock::time_point start) {
  if (worker.joinable()) worker.join();
  running = false;
  job_running = false;
  double duration = std::chrono::duration<double>(Clock::now() - start).count();
  log.Log(outcome.exit_code == 0 ? LogLevel::kInfo : LogLevel::kWarning, "job finished",
          {{"kind", kind}, {"exit_code", std::to_string(outcome.exit_code)},
           {"duration_s", fmt::format("{:.3f}", duration)}, {"summary", outcome.summary}});
  if (stopping) {
    FinishStop();
    return;
  }
  StartNext();
  UpdateStatus();
}

std::string Daemon::Impl::StatusText() const {
  if (stopping) return "stopping";
  if (job_running) return "handling callback events";
  if (running) return progress->Describe();
  std::string text = "idle";
  if (next_fire) {
    auto local = date::make_zoned(current.settings.zone, *next_fire).get_local_time();
    auto today = date::floor<date::days>(
        date::make_zoned(current.settings.zone, NowSeconds()).get_local_time());
    bool with_seconds = local.time_since_epoch().count() % 60 != 0;
    const char* pattern = date::floor<date::days>(local) == today
                          ? (with_seconds ? "%H:%M:%S" : "%H:%M")
                          : (with_seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M");
    text += " until " + date::format(pattern, local);
  }
  if (last_outcome && OutcomeLabel(*last_outcome) != "success")
    text += "; last run " + OutcomeLabel(*last_outcome) + ": " + last_outcome->summary;
  return text;
}

void Daemon::Impl::UpdateStatus() {
  std::string text = StatusText();
  if (text == last_status) return;
  last_status = text;
  notifier.Status(text);
}

void Daemon::Impl::TickStatus() {
  if (!running || stopping) return;
  UpdateStatus();
  status_timer.expires_after(options.status_interval);
  status_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) TickStatus();
  });
}

void Daemon::Impl::TickWatchdog(std::chrono::microseconds interval) {
  // Pinged from the io thread: a wedged event loop stops the pings and systemd restarts us.
  notifier.Watchdog();
  watchdog_timer.expires_after(interval);
  watchdog_timer.async_wait([this, interval](const boost::system::error_code& ec) {
    if (!ec) TickWatchdog(interval);
  });
}

}  // namespace segsync
