// `segsync sync`: one full run: plan, guard, apply, record (spec §1).
#include <unistd.h>

#include <cstdio>

#include "base/error.h"
#include "cli/common.h"
#include "service/sync.h"

namespace segsync::cli {

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
  SyncResult r = segsync::RunSync(*ws, so, log);
  std::printf("%s%s\n", r.run_id ? ("run " + std::to_string(r.run_id) + " ").c_str() : "",
              r.summary.c_str());
  return static_cast<int>(r.exit_code);
}

}  // namespace segsync::cli
