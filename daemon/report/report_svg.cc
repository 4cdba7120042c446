// Inline SVG charts: a multi-series line chart and an up/down bar chart. Plain SVG 1.1, no
// script; sizes in user units so the chart scales with its container (viewBox).
#include "report/report_svg.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/report_render.h"

namespace segsync::report_svg {

namespace {

constexpr double kW = 760, kH = 260;
constexpr double kLeft = 64, kRight = 16, kTop = 14, kBottom = 34;

// A "nice" axis end and step for [0, max] with about 4 steps.
std::pair<double, double> NiceAxis(double max) {
  if (max <= 0) max = 1;
  double raw = max / 4;
  double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  return {std::ceil(max / step) * step, step};
}

}  // namespace

const char* SeriesColor(size_t i) {
  // Colour-blind-friendly palette (Okabe-Ito), dark enough on white.
  static constexpr const char* kColors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                            "#E69F00", "#56B4E9", "#000000", "#8C6D31"};
  return kColors[i % (sizeof(kColors) / sizeof(kColors[0]))];
}

std::string LineChart(const LineChartSpec& spec) {
  double x0 = INFINITY, x1 = -INFINITY, ymax = spec.y_max_floor;
  for (const auto& s : spec.series)
    for (const auto& [x, y] : s.points) {
      x0 = std::min(x0, x);
      x1 = std::max(x1, x);
      if (!spec.fixed_max) ymax = std::max(ymax, y);
    }
  if (!std::isfinite(x0)) return {};
  if (x1 == x0) x0 -= 43200, x1 += 43200;  // one run: centre it in a day
  auto [top, step] = spec.fixed_max ? std::pair{spec.y_max_floor, spec.y_max_floor / 4} : NiceAxis(ymax);
  double pw = kW - kLeft - kRight, ph = kH - kTop - kBottom;
  auto X = [&](double x) { return kLeft + (x - x0) / (x1 - x0) * pw; };
  auto Y = [&](double y) { return kTop + ph - (y - spec.y_min) / (top - spec.y_min) * ph; };

  std::string out = fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\">"
      "<title>{}</title>\n",
      kW, kH, EscapeHtmlText(spec.title));
  for (double v = spec.y_min; v <= top + step / 1000; v += step) {
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"ylab\">{}</text>\n",
        kLeft, Y(v), kW - kRight, Y(v), kLeft - 6, Y(v) + 4, EscapeHtmlText(spec.y_label(v)));
  }
  // At most 6 x labels, spread evenly over the span.
  int labels = x1 - x0 >= 86400 * 5 ? 6 : 3;
  for (int i = 0; i < labels; ++i) {
    double x = x0 + (x1 - x0) * i / (labels - 1);
    const char* anchor = i == 0 ? "start" : i == labels - 1 ? "end" : "middle";
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"xlab\" text-anchor=\"{}\">{}</text>\n", X(x),
                       kH - 12, anchor, EscapeHtmlText(spec.x_label(x)));
  }
  out += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" class=\"axis\"/>\n", kLeft,
                     Y(spec.y_min), kW - kRight);
  for (size_t i = 0; i < spec.series.size(); ++i) {
    const auto& s = spec.series[i];
    std::string pts;
    for (const auto& [x, y] : s.points) pts += fmt::format("{:.1f},{:.1f} ", X(x), Y(y));
    out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n",
                       SeriesColor(i), pts);
    for (const auto& [x, y] : s.points)
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"><title>{}: {}</title></circle>\n",
                         X(x), Y(y), SeriesColor(i), EscapeHtmlText(s.name), EscapeHtmlText(spec.y_label(y)));
  }
  out += "</svg>\n";
  return out;
}

std::string UpDownChart(const std::string& title, const std::vector<UpDownBar>& bars) {
  if (bars.empty()) return {};
  int64_t max_up = 1, max_down = 1;
  for (const auto& b : bars) max_up = std::max(max_up, b.up), max_down = std::max(max_down, b.down);
  double pw = kW - kLeft - kRight, ph = kH - kTop - kBottom;
  double total = static_cast<double>(max_up + max_down);
  double zero = kTop + ph * static_cast<double>(max_up) / total;
  double scale = ph / total;
  double slot = pw / static_cast<double>(bars.size());
  double bw = std::max(2.0, std::min(28.0, slot * 0.6));
  std::string out = fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\">"
      "<title>{}</title>\n",
      kW, kH, EscapeHtmlText(title));
  // Labels at the top, the zero line and the bottom; one too close to the zero line is left out.
  if (zero - kTop >= 16)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"ylab\">+{}</text>", kLeft - 6, kTop + 8,
                       FormatThousands(max_up));
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"ylab\">0</text>", kLeft - 6, zero + 4);
  if (kTop + ph - zero >= 16)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"ylab\">−{}</text>\n", kLeft - 6, kTop + ph,
                       FormatThousands(max_down));
  size_t every = std::max<size_t>(1, bars.size() / 6);
  for (size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    double cx = kLeft + slot * (static_cast<double>(i) + 0.5);
    double hu = static_cast<double>(b.up) * scale, hd = static_cast<double>(b.down) * scale;
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#009E73\">"
        "<title>{}: {} entered</title></rect>"
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#D55E00\">"
        "<title>{}: {} left</title></rect>\n",
        cx - bw / 2, zero - hu, bw, hu, EscapeHtmlText(b.label), FormatThousands(b.up), cx - bw / 2, zero, bw, hd,
        EscapeHtmlText(b.label), FormatThousands(b.down));
    if (i % every == 0)
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"xlab\" text-anchor=\"middle\">{}</text>\n", cx,
                         kH - 12, EscapeHtmlText(b.label));
  }
  out += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" class=\"axis\"/>\n</svg>\n", kLeft,
                     zero, kW - kRight);
  return out;
}

}  // namespace segsync::report_svg
