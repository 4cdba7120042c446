// The report from a workspace: opens the ledger read-only (never creates it), builds the
// tables and renders them. Used by `segsync report` and by the daemon's page at `/`.
#pragma once

#include <optional>
#include <string>

#include "base/error.h"
#include "base/log.h"
#include "report/report_data.h"
#include "report/report_render.h"
#include "workspace/workspace.h"

namespace segsync {

struct ReportOptions {
  std::optional<Date> from, to;  // default: see report_data.h
  int64_t now = 0;               // 0: the clock
};

// Errors: the ledger is missing (kInvalidInput, naming it) or unreadable; a bad period.
Result<ReportData> LoadReport(const Workspace& ws, const ReportOptions& options, Logger& log);

// The live dashboard: the default period, rendered with HtmlOptions::live. Never fails: a
// missing or unreadable ledger gives a short page that says so.
std::string LiveReportPage(const Workspace& ws, Logger& log);

}  // namespace segsync
