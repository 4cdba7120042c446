// `segsync validate`: every problem in config, mapping and rule files, in the compiler form.
#include <cstdio>

#include <fmt/format.h>

#include "base/error.h"
#include "cli/common.h"
#include "config/config.h"

namespace segsync::cli {

int RunValidate(const CommandOptions& o) {
  DiagSink sink;
  std::string path = FindConfigPath(o.config_path);
  auto ws = LoadWorkspace(path, sink);
  PrintDiagnostics(sink);
  if (!ws) {
    std::fprintf(stderr, "%s\n",
                 fmt::format("{} error{}, {} warning{}: nothing was loaded; fix the errors above",
                             sink.error_count(), sink.error_count() == 1 ? "" : "s",
                             sink.warning_count(), sink.warning_count() == 1 ? "" : "s")
                     .c_str());
    return static_cast<int>(ExitCode::kValidationFailed);
  }
  std::printf("%s: ok (%zu rule file%s, %zu tag groups, %zu segments, %zu campaigns; %d warning%s)\n",
              path.c_str(), ws->rules.files.size(), ws->rules.files.size() == 1 ? "" : "s",
              ws->rules.groups.size(), ws->rules.segments.size(), ws->rules.campaigns.size(),
              sink.warning_count(), sink.warning_count() == 1 ? "" : "s");
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace segsync::cli
