// `segsync plan` (and `sync --dry-run`): the dry-run diff. Reads the export, the ledger and
// WeCom; changes nothing in WeCom.
#include <cstdio>
#include <iostream>

#include "base/error.h"
#include "cli/common.h"
#include "plan/plan_print.h"
#include "service/campaign_step.h"
#include "service/sync.h"
#include "workspace/as_of.h"

namespace segsync::cli {

int PrintPlanCommand(const CommandOptions& o, const Workspace& ws) {
  Logger log = MakeLogger(o);
  SyncOptions so;
  so.dry_run = true;
  so.as_of = o.as_of;
  so.export_override = o.export_path;
  SyncResult r = RunSync(ws, so, log);
  if (!r.plan) {
    std::fprintf(stderr, "segsync: %s\n", r.summary.c_str());
    return static_cast<int>(r.exit_code == ExitCode::kOk ? ExitCode::kFatal : r.exit_code);
  }
  std::unique_ptr<std::ostream> holder;
  std::ostream* out = OpenOutput(o.output, &holder);
  if (!out) return static_cast<int>(ExitCode::kUsage);
  if (o.format == "json") PrintPlanJson(*r.plan, *out);
  else if (o.format == "csv") PrintPlanCsv(*r.plan, *out);
  else {
    PrintPlanText(*r.plan, *out);
    if (auto as_of = ParseAsOf(o.as_of, ws.config.tz)) *out << DescribeTouchesDue(ws, *as_of, log);
  }
  out->flush();
  return static_cast<int>(ExitCode::kOk);
}

int RunPlan(const CommandOptions& o) {
  auto ws = LoadWorkspaceOrReport(o);
  if (!ws) return static_cast<int>(ExitCode::kValidationFailed);
  return PrintPlanCommand(o, *ws);
}

}  // namespace segsync::cli
