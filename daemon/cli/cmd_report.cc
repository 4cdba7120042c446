// `segsync report --output FILE.html [--from DATE] [--to DATE] [--format html|csv]`: the KPI
// report from the ledger (report/report_page.h). Reads only; needs no WeCom.
#include <cstdio>
#include <iostream>

#include "base/error.h"
#include "cli/common.h"
#include "report/report_page.h"

namespace segsync::cli {

namespace {

bool ParseDay(const std::string& text, const char* option, std::optional<Date>* out) {
  if (text.empty()) return true;
  *out = ParseIsoDate(text);
  if (!*out) std::fprintf(stderr, "segsync: %s '%s' is not a date (YYYY-MM-DD)\n", option, text.c_str());
  return out->has_value();
}

}  // namespace

int RunReport(const CommandOptions& o) {
  ReportOptions ro;
  if (!ParseDay(o.from, "--from", &ro.from) || !ParseDay(o.to, "--to", &ro.to))
    return static_cast<int>(ExitCode::kUsage);
  auto ws = LoadWorkspaceOrReport(o);
  if (!ws) return static_cast<int>(ExitCode::kValidationFailed);
  Logger log = MakeLogger(o);
  auto data = LoadReport(*ws, ro, log);
  if (!data) {
    std::fprintf(stderr, "segsync: %s\n", data.error().message.c_str());
    return static_cast<int>(data.error().code == ErrorCode::kInvalidInput ? ExitCode::kUsage : ExitCode::kFatal);
  }
  std::unique_ptr<std::ostream> holder;
  std::ostream* out = OpenOutput(o.output, &holder);
  if (!out) return static_cast<int>(ExitCode::kUsage);
  if (o.format == "csv") RenderReportCsv(*data, *out);
  else *out << RenderReportHtml(*data);
  out->flush();
  if (!*out) {
    std::fprintf(stderr, "segsync: cannot write %s\n", o.output.empty() ? "stdout" : o.output.c_str());
    return static_cast<int>(ExitCode::kFatal);
  }
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace segsync::cli
