// Line charts as inline SVG: no JavaScript, no external assets, so a report opens anywhere.
#pragma once
#include <string>
#include <vector>

namespace r1::report {

struct Series {
  std::string name;
  std::vector<double> x, y;
  std::string color;  // empty = palette
};

struct ChartOptions {
  std::string title, x_label, y_label;
  int width = 460, height = 260;
  int smooth = 1;  // moving-average window (1 = raw)
};

std::string svg_line_chart(const std::vector<Series>& series, const ChartOptions& opt);

// Grouped bars: categories on x, one bar per series value.
std::string svg_bar_chart(const std::vector<std::string>& categories, const std::vector<Series>& series,
                          const ChartOptions& opt);

std::string html_escape(const std::string& s);

}  // namespace r1::report
