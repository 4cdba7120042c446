// `segsync test`: runs the examples of every segment; the last line is "N passed, N failed".
#include <cstdio>

#include "base/error.h"
#include "cli/common.h"
#include "segment/explain.h"
#include "workspace/as_of.h"

namespace segsync::cli {

int RunTest(const CommandOptions& o) {
  auto ws = LoadWorkspaceOrReport(o);
  if (!ws) return static_cast<int>(ExitCode::kValidationFailed);
  // Examples with relative dates (today-30) are checked as of now, like a run today.
  EvalContext ctx = MakeEvalContext(Now(), ws->config.tz);
  ExamplesReport report = RunExamples(ws->rules, ctx);
  std::fwrite(report.text.data(), 1, report.text.size(), stdout);
  return static_cast<int>(report.failed == 0 ? ExitCode::kOk : ExitCode::kValidationFailed);
}

}  // namespace segsync::cli
