// `segsync sync`: one full run: plan, guard, apply, record (spec §1).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <stop_token>
#include <thread>

#include "base/error.h"
#include "cli/common.h"
#include "service/sync.h"

namespace segsync::cli {

namespace {

// SIGTERM/SIGINT during a manual sync stop it the graceful way (calls on the wire finish and
// are recorded; the run is recorded as interrupted), as in the daemon. The signals are taken
// by a thread with sigwait, so no handler runs in the middle of the sync's own code.
class StopOnSignal {
 public:
  StopOnSignal() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGUSR2);  // our own "done" wake-up
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this] {
      int sig = 0;
      sigwait(&set_, &sig);
      if (sig != SIGUSR2) {
        std::fprintf(stderr, "\nsegsync: stopping: letting the calls in flight finish\n");
        source_.request_stop();
      }
    });
  }
  ~StopOnSignal() {
    pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
  }
  std::stop_token token() const { return source_.get_token(); }

 private:
  sigset_t set_;
  std::stop_source source_;
  std::thread thread_;
};

}  // namespace

int PrintPlanCommand(const CommandOptions& o, const Workspace& ws);

int RunSync(const CommandOptions& o) {
  auto ws = LoadWorkspaceOrReport(o);
  if (!ws) return static_cast<int>(ExitCode::kValidationFailed);
  if (o.dry_run) return PrintPlanCommand(o, *ws);
  Logger log = MakeLogger(o);
  SyncOptions so;
  so.kind = RunKind::kManual;
  so.as_of = o.as_of;
  so.export_override = o.export_path;
  so.approve = o.approve;
  so.progress_on_terminal = isatty(STDERR_FILENO) != 0;
  StopOnSignal stop;
  so.stop = stop.token();
  SyncResult r = segsync::RunSync(*ws, so, log);
  std::printf("%s%s\n", r.run_id ? ("run " + std::to_string(r.run_id) + " ").c_str() : "",
              r.summary.c_str());
  return static_cast<int>(r.exit_code);
}

}  // namespace segsync::cli
