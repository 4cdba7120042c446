// Inline SVG charts for the HTML report. Internal to daemon/report.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace segsync::report_svg {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), x ascending
};

// X values are instants (Unix seconds) labelled with `x_label`; Y labelled with `y_label`.
struct LineChartSpec {
  std::string title;  // for the SVG's <title> (accessibility)
  std::vector<Series> series;
  std::function<std::string(double)> x_label;
  std::function<std::string(double)> y_label;
  double y_min = 0;
  double y_max_floor = 1;  // the axis reaches at least this
  bool fixed_max = false;  // y axis ends exactly at y_max_floor (percentages)
};
std::string LineChart(const LineChartSpec& spec);

// Up bars (entered) and down bars (left) per x label.
struct UpDownBar {
  std::string label;
  int64_t up = 0, down = 0;
};
std::string UpDownChart(const std::string& title, const std::vector<UpDownBar>& bars);

// The colour of series i (shared with legends).
const char* SeriesColor(size_t i);

}  // namespace segsync::report_svg
