#include "report/report_page.h"

#include <fmt/format.h>

#include "ledger/ledger.h"
#include "workspace/as_of.h"

namespace segsync {

Result<ReportData> LoadReport(const Workspace& ws, const ReportOptions& options, Logger& log) {
  LedgerOptions lo;
  lo.create_if_missing = false;
  auto ledger = Ledger::Open(ws.config.ledger_path, log, lo);
  if (!ledger) return ledger.error();
  ReportRequest rq;
  rq.tz = ws.config.tz;
  rq.timezone = ws.config.timezone;
  rq.conversion = ws.config.kpi_conversion;
  rq.rules = &ws.rules;
  rq.from = options.from;
  rq.to = options.to;
  rq.now = options.now ? options.now : Now().seconds;
  return BuildReport(**ledger, rq);
}

std::string LiveReportPage(const Workspace& ws, Logger& log) {
  auto data = LoadReport(ws, {}, log);
  if (data) return RenderReportHtml(*data, HtmlOptions{true});
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>segsync</title>"
      "<meta http-equiv=\"refresh\" content=\"60\"></head><body style=\"font-family:sans-serif;margin:32px\">"
      "<h1>segsync</h1><p>The report is not available yet: {}</p>"
      "<p><a href=\"/metrics\">/metrics</a> · <a href=\"/healthz\">/healthz</a></p></body></html>\n",
      EscapeHtmlText(data.error().message));
}

}  // namespace segsync
