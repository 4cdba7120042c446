// `segsync explain CRM_ID`: every condition of every segment (or one) for one profile.
#include <cstdio>
#include <iostream>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "base/error.h"
#include "cli/common.h"
#include "segment/explain.h"
#include "workspace/as_of.h"
#include "workspace/evaluate.h"

namespace segsync::cli {

int RunExplain(const CommandOptions& o) {
  auto ws = LoadWorkspaceOrReport(o);
  if (!ws) return static_cast<int>(ExitCode::kValidationFailed);
  if (!o.segment.empty() && ws->rules.IndexOf(o.segment) < 0) {
    std::vector<std::string> ids;
    for (const auto& s : ws->rules.segments) ids.push_back(s.id);
    std::string hint = DidYouMean(o.segment, ids);
    std::fprintf(stderr, "segsync: no segment '%s' in the rules%s%s\n", o.segment.c_str(),
                 hint.empty() ? "" : "; ", hint.c_str());
    return static_cast<int>(ExitCode::kUsage);
  }
  int rc = 0;
  std::optional<EvaluationInputs> in = PrepareEvaluation(o, *ws, &rc);
  if (!in) return rc;
  std::mutex mu;
  std::optional<Profile> found;
  DiagSink sink;
  auto eval = EvaluateExport(*ws, EvaluateOptions{in->export_path, in->as_of}, [&](const ProfileBatch& b) {
    for (const auto& row : b.rows) {
      if (row.profile.id != o.crm_id) continue;
      std::lock_guard lock(mu);
      if (!found) found = row.profile;
    }
  }, sink);
  PrintDiagnostics(sink);
  if (!eval) {
    std::fprintf(stderr, "segsync: %s\n", eval.error().message.c_str());
    return static_cast<int>(ExitCode::kValidationFailed);
  }
  if (!found) {
    // A rejected row cannot be explained, but say so rather than "not found".
    for (const auto& d : eval->row_errors) {
      if (d.source_line.find(o.crm_id) != std::string::npos) {
        std::cerr << "segsync: the row of " << o.crm_id << " was rejected:\n" << FormatDiagnostic(d);
        return static_cast<int>(ExitCode::kValidationFailed);
      }
    }
    std::fprintf(stderr, "segsync: CRM id '%s' is not in %s (%lld profiles read)\n", o.crm_id.c_str(),
                 eval->export_path.c_str(), static_cast<long long>(eval->profiles));
    return static_cast<int>(ExitCode::kValidationFailed);
  }
  std::cout << fmt::format("{}: line {} of {}\n", o.crm_id, found->line, eval->export_path);
  std::cout << ExplainText(ws->rules, *found, eval->ctx, &eval->caps, o.segment);
  return 0;
}

}  // namespace segsync::cli
