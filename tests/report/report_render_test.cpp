// The HTML reports as a person sees them: headless Chromium renders report.html of a run directory
// to a PNG, and the plots must be on it — pixels of the chart series' colours, not just <svg> text.
#include <gtest/gtest.h>
#include <png.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "report/html_report.h"
#include "report/pipeline_report.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kChromium = "/usr/bin/chromium";

// RGBA pixels of a PNG file (libpng's simplified API); empty on failure.
std::vector<uint8_t> read_png(const std::string& path, int& width, int& height) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) return {};
  image.format = PNG_FORMAT_RGBA;
  std::vector<uint8_t> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) return {};
  width = static_cast<int>(image.width);
  height = static_cast<int>(image.height);
  return pixels;
}

// Pixels within a small distance of each colour ("#rrggbb").
std::map<std::string, int64_t> count_colours(const std::vector<uint8_t>& rgba, const std::vector<std::string>& colours) {
  std::map<std::string, int64_t> counts;
  for (const auto& c : colours) {
    const int r = std::stoi(c.substr(1, 2), nullptr, 16), g = std::stoi(c.substr(3, 2), nullptr, 16),
              b = std::stoi(c.substr(5, 2), nullptr, 16);
    int64_t n = 0;
    for (size_t i = 0; i + 3 < rgba.size(); i += 4)
      n += std::abs(rgba[i] - r) + std::abs(rgba[i + 1] - g) + std::abs(rgba[i + 2] - b) <= 24;
    counts[c] = n;
  }
  return counts;
}

// Renders DIR/report.html to DIR/report.png; false when Chromium failed.
bool screenshot(const fs::path& dir, int width, int height) {
  const std::string png = (dir / "report.png").string();
  // Flags as this machine's Chromium needs them headless as root, with no network.
  const std::string cmd = std::string(kChromium) +
                          " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                          " --disable-background-networking --disable-component-update --disable-sync"
                          " --hide-scrollbars --user-data-dir=" + (dir / "chromium-profile").string() +
                          " --window-size=" + std::to_string(width) + "," + std::to_string(height) +
                          " --screenshot=" + png + " file://" + (dir / "report.html").string() + " >" +
                          (dir / "chromium.log").string() + " 2>&1";
  return std::system(cmd.c_str()) == 0 && fs::exists(png);
}

json eval_row(double pass1, double mixing) {
  return {{"pass@1", pass1}, {"cons@k", pass1 + 0.05}, {"k", 4},   {"problems", 100},
          {"think_rate", 0.9}, {"response_length", 30.0}, {"format_rate", 0.9}, {"language_mixing", mixing}};
}

// A run directory as `r1 pipeline` leaves it: every stage's evaluation and curves.
fs::path pipeline_run_dir() {
  const fs::path dir = r1::test::fresh_temp_dir("report_render");
  const std::vector<std::string> stages = {"base",          "r1_zero",      "cold_start", "reasoning_rl",
                                           "reasoning_rl_no_lc", "rejection_sft", "final_rl", "student_base",
                                           "distill",       "student_rl"};
  json rows, wall;
  for (size_t i = 0; i < stages.size(); ++i) {
    rows[stages[i]] = {{"running_sum", eval_row(0.3 + 0.06 * i, 0.4 - 0.03 * i)}, {"general", eval_row(0.5, 0)}};
    wall[stages[i]] = 10.0 * (i + 1);
  }
  std::ofstream metrics(dir / "metrics.jsonl");
  for (const char* stage : {"r1_zero", "reasoning_rl", "reasoning_rl_no_lc", "final_rl", "student_rl"})
    for (int step = 0; step < 40; ++step)
      metrics << json{{"stage", stage}, {"step", step}, {"accuracy", 0.2 + 0.015 * step}, {"reward", 0.3 + 0.01 * step},
                      {"language", 0.6 + 0.01 * step}, {"response_length", 20.0 + 0.2 * step}}
                     .dump()
              << "\n";
  for (const char* stage : {"base", "student_base", "cold_start"})
    for (int step = 0; step < 50; ++step)
      metrics << json{{"stage", stage}, {"step", step}, {"loss", 3.0 / (1 + 0.1 * step)}}.dump() << "\n";
  metrics.close();
  json summary = {{"rows", rows}, {"wall_seconds", wall}, {"tasks", {"running_sum"}}};
  summary["findings"] = r1::report::pipeline_findings(summary, r1::report::read_metrics((dir / "metrics.jsonl").string()));
  std::ofstream(dir / "summary.json") << summary.dump(2);
  r1::report::write_pipeline_report(dir.string());
  return dir;
}

}  // namespace

TEST(ReportRender, PipelineReportPlotsRenderInChromium) {
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed (scripts/install-deps.sh test)";
  fs::path dir = pipeline_run_dir();
  ASSERT_TRUE(screenshot(dir, 1200, 4000)) << std::ifstream(dir / "chromium.log").rdbuf();
  int w = 0, h = 0;
  auto rgba = read_png((dir / "report.png").string(), w, h);
  ASSERT_FALSE(rgba.empty());
  EXPECT_EQ(w, 1200);
  // The line charts draw five RL stages in the palette's first five colours; the bar chart's
  // pass@1 / cons@k bars are #1f77b4 / #ff7f0e. Each must cover a visible area, as rendered.
  auto counts = count_colours(rgba, {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"});
  for (const auto& [colour, n] : counts) EXPECT_GT(n, 300) << colour << " barely on the page";
  EXPECT_GT(counts["#1f77b4"], 5000) << "the bar chart's pass@1 bars";
  fs::remove_all(dir);
}

TEST(ReportRender, BlankPageHasNoPlotColours) {
  // The colour count is a real signal: a page without charts shows none of them.
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
  const fs::path dir = r1::test::fresh_temp_dir("report_blank");
  std::ofstream(dir / "report.html") << "<!doctype html><html><body><h1>no plots</h1></body></html>";
  ASSERT_TRUE(screenshot(dir, 800, 600));
  int w = 0, h = 0;
  auto rgba = read_png((dir / "report.png").string(), w, h);
  ASSERT_FALSE(rgba.empty());
  for (const auto& [colour, n] : count_colours(rgba, {"#1f77b4", "#d62728", "#2ca02c"})) EXPECT_EQ(n, 0) << colour;
  fs::remove_all(dir);
}
