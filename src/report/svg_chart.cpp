#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace r1::report {
namespace {

const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

std::string fmt(double v) {
  char b[32];
  if (std::fabs(v) >= 1000 || (v != 0 && std::fabs(v) < 0.01))
    std::snprintf(b, sizeof b, "%.2g", v);
  else
    std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

std::vector<double> moving_average(const std::vector<double>& y, int w) {
  if (w <= 1) return y;
  std::vector<double> out(y.size());
  double sum = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    sum += y[i];
    if (i >= static_cast<size_t>(w)) sum -= y[i - w];
    out[i] = sum / std::min<size_t>(i + 1, w);
  }
  return out;
}

// A "nice" tick step (1, 2 or 5 times a power of ten), the one nearest to span / ticks.
double nice_step(double span, int ticks) {
  double raw = span / ticks;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double best = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (std::fabs(m * mag - raw) < std::fabs(best - raw)) best = m * mag;
  return best;
}

struct Frame {
  double x0, x1, y0, y1;
  int left = 52, right = 12, top = 28, bottom = 38, w, h;
  double px(double x) const { return left + (x - x0) / (x1 - x0) * (w - left - right); }
  double py(double y) const { return h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom); }
};

void axes(std::ostringstream& s, const Frame& f, const ChartOptions& o, bool x_ticks) {
  s << "<text x='" << o.width / 2 << "' y='17' text-anchor='middle' font-size='13' font-weight='bold'>"
    << html_escape(o.title) << "</text>";
  const double ys = nice_step(f.y1 - f.y0, 4);
  for (double v = std::ceil(f.y0 / ys - 1e-9) * ys; v <= f.y1 + 1e-9 * ys; v += ys) {
    double y = f.py(v);
    s << "<line x1='" << f.left << "' x2='" << f.w - f.right << "' y1='" << y << "' y2='" << y
      << "' stroke='#e5e5e5'/><text x='" << f.left - 4 << "' y='" << y + 4
      << "' text-anchor='end' font-size='10'>" << fmt(std::fabs(v) < 1e-12 ? 0.0 : v) << "</text>";
  }
  if (x_ticks) {
    const double xs = nice_step(f.x1 - f.x0, 5);
    for (double xv = std::ceil(f.x0 / xs - 1e-9) * xs; xv <= f.x1 + 1e-9 * xs; xv += xs)
      s << "<text x='" << f.px(xv) << "' y='" << f.h - f.bottom + 14 << "' text-anchor='middle' font-size='10'>"
        << fmt(xv) << "</text>";
  }
  s << "<text x='" << (f.left + f.w - f.right) / 2 << "' y='" << f.h - 4
    << "' text-anchor='middle' font-size='11'>" << html_escape(o.x_label) << "</text>";
  s << "<text transform='translate(12," << (f.top + f.h - f.bottom) / 2
    << ") rotate(-90)' text-anchor='middle' font-size='11'>" << html_escape(o.y_label) << "</text>";
  s << "<rect x='" << f.left << "' y='" << f.top << "' width='" << f.w - f.left - f.right << "' height='"
    << f.h - f.top - f.bottom << "' fill='none' stroke='#999'/>";
}

void legend(std::ostringstream& s, const Frame& f, const std::vector<Series>& series) {
  int x = f.left + 8;
  for (size_t i = 0; i < series.size(); ++i) {
    std::string c = series[i].color.empty() ? kPalette[i % 6] : series[i].color;
    s << "<rect x='" << x << "' y='" << f.top + 6 << "' width='10' height='10' fill='" << c << "'/><text x='"
      << x + 14 << "' y='" << f.top + 15 << "' font-size='10'>" << html_escape(series[i].name) << "</text>";
    x += 22 + 6 * static_cast<int>(series[i].name.size());
  }
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '\'': o += "&#39;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string svg_line_chart(const std::vector<Series>& series, const ChartOptions& o) {
  Frame f{0, 1, 0, 1};
  f.w = o.width;
  f.h = o.height;
  bool any = false;
  for (const auto& s : series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      if (!any) f.x0 = f.x1 = s.x[i], f.y0 = f.y1 = s.y[i], any = true;
      f.x0 = std::min(f.x0, s.x[i]), f.x1 = std::max(f.x1, s.x[i]);
      f.y0 = std::min(f.y0, s.y[i]), f.y1 = std::max(f.y1, s.y[i]);
    }
  if (f.x1 == f.x0) f.x1 = f.x0 + 1;
  if (f.y1 == f.y0) f.y1 = f.y0 + 1;
  double pad = (f.y1 - f.y0) * 0.05;
  f.y0 -= pad;
  f.y1 += pad;
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << o.width << "' height='" << o.height
    << "' font-family='sans-serif'>";
  axes(s, f, o, true);
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& se = series[k];
    auto y = moving_average(se.y, o.smooth);
    std::string c = se.color.empty() ? kPalette[k % 6] : se.color;
    s << "<polyline fill='none' stroke='" << c << "' stroke-width='1.8' points='";
    for (size_t i = 0; i < se.x.size() && i < y.size(); ++i)
      if (std::isfinite(y[i])) s << f.px(se.x[i]) << "," << f.py(y[i]) << " ";
    s << "'/>";
  }
  if (series.size() > 1) legend(s, f, series);
  s << "</svg>";
  return s.str();
}

std::string svg_bar_chart(const std::vector<std::string>& cats, const std::vector<Series>& series,
                          const ChartOptions& o) {
  Frame f{0, 1, 0, 1};
  f.w = o.width;
  f.h = o.height;
  for (const auto& se : series)
    for (double v : se.y) f.y1 = std::max(f.y1, v);
  f.y1 *= 1.1;
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << o.width << "' height='" << o.height
    << "' font-family='sans-serif'>";
  axes(s, f, o, false);
  const double slot = (f.w - f.left - f.right) / std::max<size_t>(1, cats.size());
  const double bw = slot * 0.7 / std::max<size_t>(1, series.size());
  for (size_t c = 0; c < cats.size(); ++c) {
    double x0 = f.left + slot * c + slot * 0.15;
    for (size_t k = 0; k < series.size(); ++k) {
      if (c >= series[k].y.size()) continue;
      double v = series[k].y[c];
      std::string col = series[k].color.empty() ? kPalette[k % 6] : series[k].color;
      s << "<rect x='" << x0 + bw * k << "' y='" << f.py(v) << "' width='" << bw - 2 << "' height='"
        << f.py(0) - f.py(v) << "' fill='" << col << "'/><text x='" << x0 + bw * k + bw / 2 - 1 << "' y='"
        << f.py(v) - 3 << "' text-anchor='middle' font-size='9'>" << fmt(v) << "</text>";
    }
    s << "<text x='" << x0 + slot * 0.35 << "' y='" << f.h - f.bottom + 14
      << "' text-anchor='middle' font-size='10'>" << html_escape(cats[c]) << "</text>";
  }
  legend(s, f, series);
  s << "</svg>";
  return s.str();
}

}  // namespace r1::report
