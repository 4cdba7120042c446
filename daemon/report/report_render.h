// Renderers of the KPI report (report_data.h):
// - RenderReportHtml: one self-contained HTML page (inline CSS and SVG charts, no script, no
//   external asset, no network needed), for people in marketing and the CRM team. Numbers
//   use thousands separators, rates are percentages, dates are local YYYY-MM-DD in the
//   configured time zone; every section has an empty state.
// - RenderReportCsv: the same tables as CSV (RFC 4180, CRLF). Each table is a block: a line
//   with the table's name, its header line, its rows, then an empty line. Numbers are plain
//   (no separators; rates as fractions with 4 decimals) so spreadsheets read them.
// Both are pure functions of the data.
#pragma once

#include <ostream>
#include <string>

#include "report/report_data.h"

namespace segsync {

struct HtmlOptions {
  bool live = false;  // the daemon's dashboard: says so, and refreshes every 5 minutes
};

std::string RenderReportHtml(const ReportData& data, const HtmlOptions& options = {});
void RenderReportCsv(const ReportData& data, std::ostream& out);

// Helpers shared by the renderers (exposed for tests).
std::string FormatThousands(int64_t n);          // 1234567 -> "1,234,567"
std::string FormatPercent(double fraction);      // 0.1234 -> "12.3%"
std::string EscapeHtmlText(std::string_view s);  // & < > " '

}  // namespace segsync
