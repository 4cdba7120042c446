// The report as one self-contained HTML page (report_render.h).
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "report/report_render.h"
#include "report/report_svg.h"

namespace segsync {

namespace {

namespace svg = report_svg;

constexpr size_t kMaxChartSeries = 8;
constexpr size_t kPivotRuns = 10;
constexpr size_t kRunRows = 30;

constexpr const char* kStyle = R"(
body{font-family:"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",Arial,sans-serif;
 margin:0;background:#f5f6f8;color:#1f2328;font-size:14px;line-height:1.45}
header{background:#1f3a5f;color:#fff;padding:20px 32px}
header h1{margin:0 0 4px;font-size:22px;font-weight:600}
header p{margin:0;opacity:.85}
main{max-width:1080px;margin:0 auto;padding:16px 32px 40px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:16px 20px;margin:16px 0}
h2{font-size:17px;margin:0 0 4px}
p.note{color:#57606a;margin:0 0 10px;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}
.card{flex:1 1 150px;background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:10px 14px}
.card .v{font-size:22px;font-weight:600}.card .k{color:#57606a;font-size:12px}
table{border-collapse:collapse;width:100%;margin-top:8px;font-size:13px}
th,td{padding:5px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600;color:#24292f}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nw{white-space:nowrap}.muted{color:#6e7781}.empty{color:#6e7781;font-style:italic;padding:8px 0}
.yes{color:#1a7f37;font-weight:600}.no{color:#cf222e;font-weight:600}
.bar{display:inline-block;height:9px;background:#0072B2;border-radius:2px;vertical-align:middle;margin-right:6px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;margin:4px 0 0}
.legend i{display:inline-block;width:12px;height:3px;margin-right:5px;vertical-align:middle}
svg.chart{width:100%;height:auto;max-height:280px}
svg .grid{stroke:#eaeef2}svg .axis{stroke:#8c959f}
svg text{font-size:11px;fill:#57606a}svg .ylab{text-anchor:end}
.state-missed,.state-claimed{color:#cf222e}.state-sent{color:#1a7f37}
footer{color:#6e7781;font-size:12px;max-width:1080px;margin:0 auto;padding:0 32px 32px}
)";

std::string Esc(std::string_view s) { return EscapeHtmlText(s); }

std::string SegmentLabel(const std::string& id, const std::string& tag) {
  if (id.empty()) return "<span class=\"muted\">(in no segment)</span>";
  if (tag.empty() || tag == id) return Esc(id);
  return fmt::format("{} <span class=\"muted\">{}</span>", Esc(id), Esc(tag));
}

std::string PlainLabel(const std::string& id, const std::string& tag) {
  return tag.empty() || tag == id ? id : id + " " + tag;
}

std::string Day(const ReportData& d, int64_t t) { return FormatDate(LocalDay(t, d.tz)); }

std::string Empty(std::string_view text) { return fmt::format("<p class=\"empty\">{}</p>\n", Esc(text)); }

std::string Card(std::string_view value, std::string_view label) {
  return fmt::format("<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>", Esc(value),
                     Esc(label));
}

std::string Legend(const std::vector<std::string>& names) {
  std::string out = "<div class=\"legend\">";
  for (size_t i = 0; i < names.size(); ++i)
    out += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", svg::SeriesColor(i), Esc(names[i]));
  return out + "</div>\n";
}

std::string Summary(const ReportData& d) {
  std::string out = "<div class=\"cards\">";
  out += Card(FormatThousands(static_cast<int64_t>(d.runs.size())), "runs in the period");
  if (!d.runs.empty()) {
    const RunKpi& last = d.runs.back();
    out += Card(FormatThousands(last.profiles), "profiles in the latest export");
    out += Card(FormatPercent(last.match_rate), "found in WeCom (latest run)");
  }
  if (d.conversion) out += Card(FormatThousands(d.converted_profiles), "conversions in the period");
  int64_t created = 0;
  for (const auto& t : d.touches) created += t.state == TouchState::kSent;
  out += Card(FormatThousands(created), "campaign messages created");
  return out + "</div>\n";
}

std::string Sizes(const ReportData& d) {
  std::string out = "<section id=\"sizes\"><h2>Segment sizes over time</h2>\n"
                    "<p class=\"note\">Profiles in each segment at each run (people).</p>\n";
  if (d.sizes.empty()) return out + Empty("No run recorded segment sizes in this period.") + "</section>\n";
  // Per segment: first and latest size, totals entered and left.
  struct Agg {
    int64_t first = 0, last = 0, entered = 0, left = 0;
    std::vector<std::pair<double, double>> points;
  };
  std::map<std::pair<std::string, std::string>, Agg> by;
  for (const auto& r : d.sizes) {
    auto [it, fresh] = by.try_emplace({r.segment.segment_id, r.segment.tag});
    if (fresh) it->second.first = r.size;
    it->second.last = r.size;
    it->second.entered += r.entered;
    it->second.left += r.left;
    it->second.points.emplace_back(static_cast<double>(r.as_of), static_cast<double>(r.size));
  }
  std::vector<std::pair<std::pair<std::string, std::string>, const Agg*>> order;
  for (const auto& [k, a] : by) order.push_back({k, &a});
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second->last > b.second->last; });
  svg::LineChartSpec spec;
  spec.title = "Segment sizes over time";
  std::vector<std::string> names;
  for (size_t i = 0; i < order.size() && i < kMaxChartSeries; ++i) {
    names.push_back(PlainLabel(order[i].first.first, order[i].first.second));
    spec.series.push_back({names.back(), order[i].second->points});
  }
  spec.x_label = [&d](double x) { return Day(d, static_cast<int64_t>(x)); };
  spec.y_label = [](double y) { return FormatThousands(static_cast<int64_t>(y)); };
  out += svg::LineChart(spec) + Legend(names);
  if (order.size() > kMaxChartSeries)
    out += fmt::format("<p class=\"note\">The chart shows the {} largest segments; the table lists all {}.</p>\n",
                       kMaxChartSeries, order.size());
  out += "<table><tr><th>Segment</th><th class=\"n\">First run</th><th class=\"n\">Latest run</th>"
         "<th class=\"n\">Change</th><th class=\"n\">Entered</th><th class=\"n\">Left</th></tr>\n";
  for (const auto& [k, a] : order) {
    int64_t change = a->last - a->first;
    out += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}{}</td>"
                       "<td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                       SegmentLabel(k.first, k.second), FormatThousands(a->first), FormatThousands(a->last),
                       change > 0 ? "+" : "", FormatThousands(change), FormatThousands(a->entered),
                       FormatThousands(a->left));
  }
  return out + "</table></section>\n";
}

std::string Movement(const ReportData& d) {
  std::string out = "<section id=\"movement\"><h2>Entered and left per run</h2>\n"
                    "<p class=\"note\">People who entered (green, up) and left (red, down) any segment at each run.</p>\n";
  if (d.sizes.empty()) return out + Empty("No run in this period.") + "</section>\n";
  std::vector<int64_t> runs;
  std::map<int64_t, svg::UpDownBar> totals;
  for (const auto& r : d.sizes) {
    auto [it, fresh] = totals.try_emplace(r.run_id);
    if (fresh) runs.push_back(r.run_id), it->second.label = Day(d, r.as_of);
    it->second.up += r.entered;
    it->second.down += r.left;
  }
  std::vector<svg::UpDownBar> bars;
  for (int64_t id : runs) bars.push_back(totals[id]);
  out += svg::UpDownChart("Entered and left per run", bars);
  // Pivot of the latest runs: one row per segment, "+in / −out" per run.
  std::vector<int64_t> last(runs.end() - static_cast<long>(std::min(runs.size(), kPivotRuns)), runs.end());
  std::map<std::pair<std::string, std::string>, std::map<int64_t, std::pair<int64_t, int64_t>>> cells;
  for (const auto& r : d.sizes) cells[{r.segment.segment_id, r.segment.tag}][r.run_id] = {r.entered, r.left};
  out += fmt::format("<p class=\"note\">Latest {} run(s): entered / left.</p><table><tr><th>Segment</th>", last.size());
  for (int64_t id : last) out += fmt::format("<th class=\"n\">{}<br><span class=\"muted\">run {}</span></th>", Esc(totals[id].label), id);
  out += "</tr>\n";
  for (const auto& [k, per_run] : cells) {
    out += "<tr><td>" + SegmentLabel(k.first, k.second) + "</td>";
    for (int64_t id : last) {
      auto it = per_run.find(id);
      if (it == per_run.end()) out += "<td class=\"n muted\">–</td>";
      else out += fmt::format("<td class=\"n\">+{} / −{}</td>", FormatThousands(it->second.first), FormatThousands(it->second.second));
    }
    out += "</tr>\n";
  }
  return out + "</table></section>\n";
}

std::string JoinList(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string Conversions(const ReportData& d) {
  std::string out = "<section id=\"conversions\"><h2>Conversions per segment</h2>\n";
  if (!d.conversion)
    return out + Empty("No conversion is defined: set kpi.conversion in segsync.yaml to count conversions.") + "</section>\n";
  out += fmt::format("<p class=\"note\">A conversion is a change of <b>{}</b> from {} to {}, counted for each segment the "
                     "person was in just before converting. Rate = conversions ÷ people in the segment during the "
                     "period. Days = from entering the segment to converting (median).</p>\n",
                     Esc(d.conversion->field), Esc(JoinList(d.conversion->from)), Esc(JoinList(d.conversion->to)));
  bool any = std::any_of(d.conversions.begin(), d.conversions.end(), [](const ConversionKpi& k) { return k.conversions > 0; });
  if (!any) out += Empty("No conversion in this period.");
  if (d.conversions.empty()) return out + "</section>\n";
  double best = 0;
  for (const auto& k : d.conversions) best = std::max(best, k.rate);
  out += "<table><tr><th>Segment before converting</th><th class=\"n\">People in segment</th>"
         "<th class=\"n\">Conversions</th><th>Conversion rate</th><th class=\"n\">Median days to convert</th></tr>\n";
  for (const auto& k : d.conversions) {
    int width = best > 0 ? static_cast<int>(120 * k.rate / best) : 0;
    out += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n",
                       SegmentLabel(k.segment_id, k.tag), k.segment_id.empty() ? "–" : FormatThousands(k.audience),
                       FormatThousands(k.conversions),
                       k.segment_id.empty() ? "–" : fmt::format("<span class=\"bar\" style=\"width:{}px\"></span>{}", width, FormatPercent(k.rate)),
                       k.median_days ? fmt::format("{:.1f}", *k.median_days) : "–");
  }
  return out + "</table></section>\n";
}

std::string Invitations(const ReportData& d) {
  std::string out = "<section id=\"invitations\"><h2>Group invitations and joins</h2>\n"
                    "<p class=\"note\">Invitations to the segment's customer group chats created in the period, how many "
                    "invited people received one, and how many then joined through the segment's invitation link. "
                    "Join rate = joined ÷ people invited.</p>\n";
  if (d.invitations.empty()) return out + Empty("No group invitation was sent in this period.") + "</section>\n";
  out += "<table><tr><th>Segment</th><th class=\"n\">Invitations</th><th class=\"n\">People invited</th>"
         "<th class=\"n\">Received it</th><th class=\"n\">Joined a group</th><th class=\"n\">Join rate</th></tr>\n";
  for (const auto& r : d.invitations) {
    double rate = r.customers ? static_cast<double>(r.joined) / static_cast<double>(r.customers) : 0;
    out += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                       "<td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                       Esc(r.segment_id), FormatThousands(r.invitations), FormatThousands(r.customers),
                       FormatThousands(r.sent), FormatThousands(r.joined), FormatPercent(rate));
  }
  return out + "</table></section>\n";
}

std::string Campaigns(const ReportData& d) {
  std::string out = "<section id=\"campaigns\"><h2>Campaigns: touches, reach and coverage</h2>\n"
                    "<p class=\"note\">Touches are WeCom mass-message tasks created on their date for the customers "
                    "tagged with the touch's segments. Reached = people WeCom reports the message as sent to. "
                    "A segment is covered when at least one task was created for it inside the campaign's period.</p>\n";
  if (d.campaigns.empty() && d.touches.empty()) return out + Empty("No campaign in this period.") + "</section>\n";
  if (!d.campaigns.empty()) {
    out += "<table><tr><th>Campaign</th><th>Period</th><th class=\"n\">Touches created / planned</th>"
           "<th class=\"n\">People targeted</th><th class=\"n\">People reached</th><th class=\"n\">Reach rate</th></tr>\n";
    for (const auto& c : d.campaigns) {
      double rate = c.targeted ? static_cast<double>(c.reached) / static_cast<double>(c.targeted) : 0;
      out += fmt::format("<tr><td>{}</td><td>{} to {}</td><td class=\"n\">{} / {}</td><td class=\"n\">{}</td>"
                         "<td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                         Esc(c.name), c.from, c.to, c.touches_created, c.touches_planned, FormatThousands(c.targeted),
                         FormatThousands(c.reached), c.targeted ? FormatPercent(rate) : "–");
    }
    out += "</table>\n";
  }
  out += "<h2 style=\"margin-top:14px\">Touches in the period</h2>\n";
  if (d.touches.empty()) {
    out += Empty("No touch is dated inside this period.");
  } else {
    out += "<table><tr><th>Date</th><th>Campaign</th><th>Segments</th><th>Message</th><th>State</th>"
           "<th class=\"n\">Targeted</th><th class=\"n\">Sent</th><th class=\"n\">Not sent yet</th>"
           "<th class=\"n\">No longer a contact</th><th class=\"n\">Quota used up</th></tr>\n";
    for (const auto& t : d.touches) {
      const char* cls = t.state == TouchState::kSent ? "state-sent"
                        : t.state == TouchState::kMissed || t.state == TouchState::kClaimed ? "state-missed" : "";
      bool has = t.state == TouchState::kSent;
      auto n = [&](int64_t v) { return has ? FormatThousands(v) : std::string("–"); };
      out += fmt::format("<tr><td class=\"nw\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"nw {}\">{}</td><td class=\"n\">{}</td>"
                         "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                         t.date, Esc(t.campaign), Esc(JoinList(t.segments)), Esc(t.message), cls, TouchStateName(t.state),
                         n(t.targeted), n(t.sent), n(t.unsent), n(t.not_friend), n(t.quota));
    }
    out += "</table>\n";
  }
  if (!d.coverage.empty()) {
    out += "<h2 style=\"margin-top:14px\">Coverage: was every segment engaged at least once?</h2>\n"
           "<table><tr><th>Segment</th><th>Tag group</th>";
    std::vector<std::string> names;
    for (const auto& c : d.campaigns) names.push_back(c.name), out += "<th>" + Esc(c.name) + "</th>";
    out += "</tr>\n";
    std::vector<std::string> segs;
    std::map<std::pair<std::string, std::string>, const CoverageRow*> cell;
    std::map<std::string, std::string> group;
    for (const auto& r : d.coverage) {
      if (!group.count(r.segment_id)) segs.push_back(r.segment_id), group[r.segment_id] = r.group;
      cell[{r.segment_id, r.campaign}] = &r;
    }
    for (const auto& s : segs) {
      out += "<tr><td>" + Esc(s) + "</td><td>" + Esc(group[s]) + "</td>";
      for (const auto& c : names) {
        const CoverageRow* r = cell[{s, c}];
        if (r && r->engaged) out += fmt::format("<td class=\"yes\">yes <span class=\"muted\">({})</span></td>", r->touches_created);
        else if (r && r->touches_planned > 0) out += fmt::format("<td class=\"no\">no <span class=\"muted\">({} planned)</span></td>", r->touches_planned);
        else out += "<td class=\"no\">no</td>";
      }
      out += "</tr>\n";
    }
    out += "</table>\n";
  }
  return out + "</section>\n";
}

std::string Failures(const ReportData& d) {
  std::string out = "<section id=\"failures\"><h2>Sync failures by reason</h2>\n"
                    "<p class=\"note\">Changes WeCom refused during the period's runs (each is retried unless it is "
                    "permanent), and runs that did not finish normally.</p>\n";
  std::map<std::string, int64_t> outcomes;
  for (const auto& r : d.runs) ++outcomes[r.outcome];
  bool bad_runs = false;
  for (const auto& [o, n] : outcomes) bad_runs |= o != "ok";
  if (d.failures.empty() && !bad_runs) return out + Empty("No failure in this period.") + "</section>\n";
  if (!d.failures.empty()) {
    out += "<table><tr><th>Action</th><th>Reason</th><th class=\"n\">Count</th></tr>\n";
    for (const auto& f : d.failures)
      out += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n", Esc(f.action),
                         Esc(f.reason.empty() ? "(no reason given)" : f.reason), FormatThousands(f.count));
    out += "</table>\n";
  }
  out += "<table><tr><th>Run outcome</th><th class=\"n\">Runs</th></tr>\n";
  for (const auto& [o, n] : outcomes)
    out += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td></tr>\n", Esc(o), FormatThousands(n));
  return out + "</table></section>\n";
}

std::string Identity(const ReportData& d) {
  std::string out = "<section id=\"identity\"><h2>Identity match rate</h2>\n"
                    "<p class=\"note\">Share of the export's profiles found as a WeCom customer (by unionid, "
                    "contact-me state or mobile) at each run.</p>\n";
  if (d.runs.empty()) return out + Empty("No run in this period.") + "</section>\n";
  svg::LineChartSpec spec;
  spec.title = "Identity match rate per run";
  svg::Series s{"match rate", {}};
  for (const auto& r : d.runs) s.points.emplace_back(static_cast<double>(r.as_of), r.match_rate * 100);
  spec.series.push_back(std::move(s));
  spec.x_label = [&d](double x) { return Day(d, static_cast<int64_t>(x)); };
  spec.y_label = [](double y) { return fmt::format("{:.0f}%", y); };
  spec.y_max_floor = 100;
  spec.fixed_max = true;
  out += svg::LineChart(spec);
  size_t start = d.runs.size() > kRunRows ? d.runs.size() - kRunRows : 0;
  out += fmt::format("<p class=\"note\">Latest {} run(s).</p>", d.runs.size() - start);
  out += "<table><tr><th>Run</th><th>As of</th><th>Kind</th><th>Outcome</th><th class=\"n\">Profiles</th>"
         "<th class=\"n\">Found in WeCom</th><th class=\"n\">Match rate</th><th class=\"n\">Tags added</th>"
         "<th class=\"n\">Tags removed</th><th class=\"n\">Failed</th></tr>\n";
  for (size_t i = d.runs.size(); i-- > start;) {
    const RunKpi& r = d.runs[i];
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                       "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                       r.run_id, FormatLocalMinute(r.as_of, d.tz), Esc(r.kind), Esc(r.outcome), FormatThousands(r.profiles),
                       FormatThousands(r.matched), FormatPercent(r.match_rate), FormatThousands(r.added),
                       FormatThousands(r.removed), FormatThousands(r.failed));
  }
  return out + "</table></section>\n";
}

}  // namespace

std::string FormatThousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "−" + out : out;
}

std::string FormatPercent(double fraction) { return fmt::format("{:.1f}%", fraction * 100); }

std::string EscapeHtmlText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string RenderReportHtml(const ReportData& d, const HtmlOptions& options) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  if (options.live) out += "<meta http-equiv=\"refresh\" content=\"300\">\n";
  out += fmt::format("<title>segsync KPI report {} to {}</title>\n<style>{}</style></head><body>\n", d.from, d.to, kStyle);
  out += fmt::format("<header><h1>Segments, conversions and engagement</h1><p>{} to {} ({}) · {} {}</p></header>\n<main>\n",
                     d.from, d.to, Esc(d.timezone), options.live ? "live from the ledger, updated" : "generated",
                     Esc(d.generated_at));
  out += Summary(d);
  out += Sizes(d);
  out += Movement(d);
  out += Conversions(d);
  out += Invitations(d);
  out += Campaigns(d);
  out += Failures(d);
  out += Identity(d);
  out += "</main>\n<footer>Figures come from the segsync ledger; a run belongs to the period when its as-of instant "
         "falls inside it. Definitions: docs/report.md.</footer>\n</body></html>\n";
  return out;
}

}  // namespace segsync
