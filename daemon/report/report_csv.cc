// The report's tables as CSV blocks (report_render.h).
#include <fmt/format.h>

#include "plan/plan_print.h"
#include "report/report_render.h"

namespace segsync {

namespace {

class CsvWriter {
 public:
  explicit CsvWriter(std::ostream& out) : out_(out) {}
  void Table(std::string_view name, std::initializer_list<std::string_view> header) {
    if (started_) out_ << "\r\n";
    started_ = true;
    out_ << CsvField(name) << "\r\n";
    Row(std::vector<std::string>(header.begin(), header.end()));
  }
  void Row(const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) out_ << (i ? "," : "") << CsvField(fields[i]);
    out_ << "\r\n";
  }

 private:
  std::ostream& out_;
  bool started_ = false;
};

std::string N(int64_t v) { return std::to_string(v); }
std::string R(double v) { return fmt::format("{:.4f}", v); }
std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ";") + s;
  return out;
}

}  // namespace

void RenderReportCsv(const ReportData& d, std::ostream& out) {
  CsvWriter w(out);
  w.Table("period", {"from", "to", "timezone", "generated_at"});
  w.Row({d.from, d.to, d.timezone, d.generated_at});

  w.Table("segment_sizes", {"run_id", "as_of", "segment", "tag", "size", "entered", "left"});
  for (const auto& r : d.sizes)
    w.Row({N(r.run_id), FormatLocalMinute(r.as_of, d.tz), r.segment.segment_id, r.segment.tag, N(r.size),
           N(r.entered), N(r.left)});

  w.Table("conversions", {"segment", "tag", "audience", "conversions", "rate", "median_days"});
  for (const auto& k : d.conversions)
    w.Row({k.segment_id, k.tag, N(k.audience), N(k.conversions), R(k.rate),
           k.median_days ? fmt::format("{:.2f}", *k.median_days) : ""});

  w.Table("invitations", {"segment", "invitations", "customers", "sent", "joined"});
  for (const auto& r : d.invitations)
    w.Row({r.segment_id, N(r.invitations), N(r.customers), N(r.sent), N(r.joined)});

  w.Table("campaigns", {"campaign", "from", "to", "touches_planned", "touches_created", "targeted", "reached"});
  for (const auto& c : d.campaigns)
    w.Row({c.name, c.from, c.to, N(c.touches_planned), N(c.touches_created), N(c.targeted), N(c.reached)});

  w.Table("touches", {"date", "campaign", "segments", "state", "msgid", "targeted", "sent", "unsent", "not_friend",
                      "quota", "fail_list"});
  for (const auto& t : d.touches)
    w.Row({t.date, t.campaign, Join(t.segments), TouchStateName(t.state), t.msgid, N(t.targeted), N(t.sent),
           N(t.unsent), N(t.not_friend), N(t.quota), N(t.fail_count)});

  w.Table("coverage", {"campaign", "segment", "group", "touches_planned", "touches_created", "engaged"});
  for (const auto& c : d.coverage)
    w.Row({c.campaign, c.segment_id, c.group, N(c.touches_planned), N(c.touches_created), c.engaged ? "yes" : "no"});

  w.Table("failures", {"action", "reason", "count"});
  for (const auto& f : d.failures) w.Row({f.action, f.reason, N(f.count)});

  w.Table("runs", {"run_id", "as_of", "kind", "outcome", "profiles", "matched", "unmatched", "match_rate", "added",
                   "removed", "failed"});
  for (const auto& r : d.runs)
    w.Row({N(r.run_id), FormatLocalMinute(r.as_of, d.tz), r.kind, r.outcome, N(r.profiles), N(r.matched),
           N(r.unmatched), R(r.match_rate), N(r.added), N(r.removed), N(r.failed)});
}

}  // namespace segsync
