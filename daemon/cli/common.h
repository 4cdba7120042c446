// What several commands share: finding and loading the workspace, printing diagnostics,
// writing output to --output or stdout.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "base/diag.h"
#include "base/log.h"
#include "mapper/profile.h"
#include "cli/commands.h"
#include "workspace/workspace.h"

namespace segsync::cli {

// Loads config + mapping + rules. Prints every diagnostic to stderr; null on any error.
std::shared_ptr<const Workspace> LoadWorkspaceOrReport(const CommandOptions& o);

// What commands that read the export need first: the --as-of instant, and the export as a
// local file (downloaded when crm.export is a URL). On failure prints why, sets *exit_code.
struct EvaluationInputs {
  DateTime as_of;
  std::string export_path;
};
std::optional<EvaluationInputs> PrepareEvaluation(const CommandOptions& o, const Workspace& ws,
                                                  int* exit_code);

// Prints diagnostics to stderr in the compiler form.
void PrintDiagnostics(const DiagSink& sink);

// A logger on stderr at info (debug with -v).
Logger MakeLogger(const CommandOptions& o);

// Opens --output (mode 0600: plans and reports name customers) or returns std::cout.
// On failure prints why and returns null.
std::ostream* OpenOutput(const std::string& path, std::unique_ptr<std::ostream>* holder);

}  // namespace segsync::cli
