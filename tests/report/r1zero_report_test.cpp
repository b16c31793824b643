// The main job's report says when a plotted quantity is switched off by the run's settings (KL with
// beta = 0, the clipped share with one policy update per batch) instead of drawing a flat zero line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "core/files.h"
#include "report/html_report.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A run directory with two GRPO metric rows, a one-task summary and the given rl config.
fs::path write_run(const std::string& name, const json& rl) {
  const fs::path dir = r1::test::fresh_temp_dir("report_" + name);
  std::ofstream m(dir / "metrics.jsonl");
  for (int step = 0; step < 2; ++step)
    m << json{{"stage", "grpo"}, {"step", step}, {"reward", 0.5}, {"accuracy", 0.4}, {"response_length", 10},
              {"think_rate", 0.5}, {"kl", 0.01 * step}, {"clip_fraction", 0.1 * step}}.dump()
      << "\n";
  json mode = {{"pass@1", 0.5}, {"think_rate", 0.5}, {"response_length", 10.0}, {"problems", 4}, {"k", 2}};
  json task = {{"free", mode}, {"forced_think", mode}, {"forced_direct", mode}};
  json summary = {{"base", {{"running_sum", task}}}, {"final", {{"running_sum", task}}}, {"wall_seconds", {{"grpo", 1.0}}}};
  std::ofstream(dir / "summary.json") << summary.dump();
  std::ofstream(dir / "config.json") << json{{"rl", rl}}.dump();
  return dir;
}

TEST(R1ZeroReport, SwitchedOffQuantitiesSaySoInsteadOfAFlatLine) {
  auto dir = write_run("off", {{"beta", 0.0}, {"num_iterations", 1}});
  r1::report::write_r1zero_report(dir.string());
  const std::string html = r1::read_file((dir / "report.html").string());
  EXPECT_NE(html.find("rl.beta = 0 loads no reference model"), std::string::npos);
  EXPECT_NE(html.find("rl.num_iterations = 1"), std::string::npos);
  EXPECT_EQ(html.find("KL</text>"), std::string::npos);  // no KL axis drawn
  fs::remove_all(dir);
}

TEST(R1ZeroReport, QuantitiesThatAreOnArePlotted) {
  auto dir = write_run("on", {{"beta", 0.04}, {"num_iterations", 2}});
  r1::report::write_r1zero_report(dir.string());
  const std::string html = r1::read_file((dir / "report.html").string());
  EXPECT_EQ(html.find("loads no reference model"), std::string::npos);
  EXPECT_EQ(html.find("nothing is clipped"), std::string::npos);
  EXPECT_NE(html.find("KL to reference (k3)"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
