// A Daemon with fake run/reload functions for the tests: records every run, lets a test
// block a run, flip the reload function to failing, and read the log and notify messages.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <doctest/doctest.h>

#include "notify_socket.h"
#include "service/daemon.h"
#include "test_support.h"

namespace segsync::testing {

struct TestWorkspace {
  int version = 0;
};

struct RunRecord {
  int64_t sequence = 0;
  std::string kind;
  SysSeconds slot;
  std::chrono::system_clock::time_point started;
  int version = 0;
};

class DaemonHarness {
 public:
  explicit DaemonHarness(std::string every = "1s") : every_(std::move(every)) {
    log_file_ = std::fopen((dir_ / "log").c_str(), "w+");
    log_ = std::make_unique<Logger>(log_file_, LogLevel::kDebug);
  }
  ~DaemonHarness() {
    if (thread_.joinable()) {
      daemon_->RequestStop();
      thread_.join();
    }
    daemon_.reset();
    std::fclose(log_file_);
  }

  // What each run does after being recorded; default: succeed at once.
  std::function<DaemonRunResult(const RunRequest&, std::stop_token, ProgressSink&)> body =
      [](const RunRequest&, std::stop_token, ProgressSink&) { return DaemonRunResult{0, "ok"}; };
  std::optional<SysSeconds> last_success = std::chrono::floor<std::chrono::seconds>(
      std::chrono::system_clock::now());
  std::atomic<int> version{1};
  std::atomic<bool> reload_fails{false};
  std::atomic<int> reload_calls{0};
  std::string listen = "127.0.0.1:0";
  DaemonOptions options;

  void Start() {
    auto reload = [this]() -> ReloadResult {
      ++reload_calls;
      ReloadResult r;
      if (reload_fails) {
        r.diagnostics.push_back({{"rules/vip.yaml", 12, 7}, Severity::kError,
                                 "unknown operator 'contians'", "did you mean 'contains'?", ""});
        r.diagnostics.push_back({{"mapping/a.yaml", 3, 1}, Severity::kError, "unknown type 'nit'", "", ""});
        return r;
      }
      auto schedule = Schedule::Every(every_);
      if (!schedule.ok()) throw std::runtime_error(schedule.error().message);
      r.loaded = LoadedSet{std::make_shared<const TestWorkspace>(TestWorkspace{version.load()}),
                           DaemonSettings{*schedule, date::locate_zone("Asia/Shanghai"), listen}};
      return r;
    };
    auto run = [this](const RunRequest& req, std::stop_token stop, ProgressSink& progress) {
      {
        std::lock_guard lock(mu_);
        runs_.push_back({req.sequence, req.kind, req.slot, std::chrono::system_clock::now(),
                         req.As<TestWorkspace>().version});
      }
      cv_.notify_all();
      return body(req, stop, progress);
    };
    daemon_ = std::make_unique<Daemon>(run, reload, [this] { return last_success; }, *log_, options);
    thread_ = std::thread([this] {
      exit_code_ = daemon_->Run();
      stopped_at_ = std::chrono::steady_clock::now();
      finished_ = true;
    });
    for (int i = 0; i < 500 && !daemon_->ready() && !finished_; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  // Joins the Run() thread; returns its exit code.
  int Join() {
    thread_.join();
    return exit_code_;
  }
  std::chrono::steady_clock::time_point stopped_at() const { return stopped_at_; }

  // Waits until at least n runs have started.
  bool WaitRuns(size_t n, int timeout_ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return runs_.size() >= n; });
  }
  std::vector<RunRecord> runs() {
    std::lock_guard lock(mu_);
    return runs_;
  }
  static bool Eventually(const std::function<bool()>& pred, int timeout_ms = 5000) {
    return testing::WaitFor(pred, timeout_ms);
  }
  std::string Log() { return ReadFile(dir_ / "log"); }
  Daemon& daemon() { return *daemon_; }

 private:
  TempDir dir_;
  std::string every_;
  std::FILE* log_file_ = nullptr;
  std::unique_ptr<Logger> log_;
  std::unique_ptr<Daemon> daemon_;
  std::thread thread_;
  int exit_code_ = -1;
  std::atomic<bool> finished_{false};
  std::chrono::steady_clock::time_point stopped_at_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<RunRecord> runs_;
};

}  // namespace segsync::testing
