#include "cli/common.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "base/error.h"
#include "config/config.h"
#include "service/export_fetch.h"
#include "workspace/as_of.h"

namespace segsync::cli {

void PrintDiagnostics(const DiagSink& sink) {
  std::string text = sink.FormatAll();
  std::fwrite(text.data(), 1, text.size(), stderr);
}

std::shared_ptr<const Workspace> LoadWorkspaceOrReport(const CommandOptions& o) {
  DiagSink sink;
  auto ws = LoadWorkspace(FindConfigPath(o.config_path), sink);
  PrintDiagnostics(sink);
  return ws;
}

std::optional<EvaluationInputs> PrepareEvaluation(const CommandOptions& o, const Workspace& ws,
                                                  int* exit_code) {
  Result<DateTime> as_of = ParseAsOf(o.as_of, ws.config.tz);
  if (!as_of) {
    std::fprintf(stderr, "segsync: %s\n", as_of.error().message.c_str());
    *exit_code = static_cast<int>(ExitCode::kUsage);
    return std::nullopt;
  }
  Logger log = MakeLogger(o);
  Result<std::string> export_path = LocalExportPath(ws.config, o.export_path, log);
  if (!export_path) {
    std::fprintf(stderr, "segsync: %s\n", export_path.error().message.c_str());
    *exit_code = static_cast<int>(ExitCode::kFatal);
    return std::nullopt;
  }
  return EvaluationInputs{*as_of, *export_path};
}

Logger MakeLogger(const CommandOptions& o) {
  return Logger(stderr, o.verbose ? LogLevel::kDebug : LogLevel::kInfo);
}

std::ostream* OpenOutput(const std::string& path, std::unique_ptr<std::ostream>* holder) {
  if (path.empty() || path == "-") return &std::cout;
  // Create with 0600 before the stream opens it, so no other user can ever read it.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    std::perror(("segsync: cannot write " + path).c_str());
    return nullptr;
  }
  ::close(fd);
  auto out = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*out) {
    std::fprintf(stderr, "segsync: cannot write %s\n", path.c_str());
    return nullptr;
  }
  *holder = std::move(out);
  return holder->get();
}

}  // namespace segsync::cli
