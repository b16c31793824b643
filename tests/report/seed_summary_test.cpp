// The aggregate over seeds of `r1 pipeline --seeds`: cell statistics and finding margins against
// values computed by hand.
#include "report/seed_summary.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace {

using nlohmann::json;

json summary(double base_pass, double distill_pass, double rl_pass) {
  auto cell = [](double p) { return json{{"running_sum", {{"pass@1", p}, {"k", 4}}}}; };
  return {{"rows", {{"base", cell(base_pass)}, {"distill", cell(distill_pass)}, {"student_rl", cell(rl_pass)}}},
          {"findings",
           {{{"question", "Does distillation lift the student more than RL alone?"},
             {"holds", distill_pass >= rl_pass},
             {"answer", "pass@1 " + std::to_string(distill_pass)},
             {"margin", distill_pass - rl_pass}},
            {{"question", "Is cons@k above pass@1 off the ceiling?"}, {"holds", true}, {"answer", "yes"}, {"margin", nullptr}}}}};
}

TEST(SeedSummary, SpreadIsTheSampleStatistics) {
  const json s = r1::report::spread_of({0.2, 0.4, 0.9});
  EXPECT_NEAR(s["mean"].get<double>(), 0.5, 1e-12);
  // deviations -0.3, -0.1, 0.4: squares sum 0.26; / (n - 1) = 0.13
  EXPECT_NEAR(s["sd"].get<double>(), std::sqrt(0.13), 1e-12);
  EXPECT_EQ(s["min"], 0.2);
  EXPECT_EQ(s["max"], 0.9);
  EXPECT_EQ(r1::report::spread_of({0.7})["sd"], 0.0);
}

TEST(SeedSummary, CellsAndMarginsOverSeeds) {
  // Margins 0.3, 0.2, 0.4: mean 0.3, sd 0.1, all positive -> decided.
  const json a = r1::report::aggregate_seed_summaries(
      {summary(0.1, 0.6, 0.3), summary(0.2, 0.5, 0.3), summary(0.3, 0.7, 0.3)}, {1, 2, 3});
  EXPECT_EQ(a["seeds"], json({1, 2, 3}));
  EXPECT_NEAR(a["rows"]["base"]["running_sum"]["pass@1"]["mean"].get<double>(), 0.2, 1e-12);
  EXPECT_NEAR(a["rows"]["base"]["running_sum"]["pass@1"]["sd"].get<double>(), 0.1, 1e-12);
  EXPECT_EQ(a["rows"]["base"]["running_sum"]["k"]["values"], json({4.0, 4.0, 4.0}));
  ASSERT_EQ(a["findings"].size(), 2u);
  const json& d = a["findings"][0];
  EXPECT_EQ(d["holds_in"], json({1, 2, 3}));
  EXPECT_NEAR(d["margin"]["mean"].get<double>(), 0.3, 1e-12);
  EXPECT_NEAR(d["margin"]["sd"].get<double>(), 0.1, 1e-12);
  EXPECT_TRUE(d["decided"]);
  EXPECT_TRUE(a["findings"][1]["margin"].is_null());
  EXPECT_FALSE(a["findings"][1]["decided"]);

  // Margins 0.3, -0.1, 0.1: the sign flips with the seed -> within seed noise, holding in 2 of 3.
  const json b = r1::report::aggregate_seed_summaries(
      {summary(0.1, 0.6, 0.3), summary(0.1, 0.4, 0.5), summary(0.1, 0.5, 0.4)}, {4, 5, 6});
  EXPECT_EQ(b["findings"][0]["holds_in"], json({4, 6}));
  EXPECT_FALSE(b["findings"][0]["decided"]);
  // One sign, but a mean (0.2) below the sd (0.265): also undecided.
  const json c = r1::report::aggregate_seed_summaries(
      {summary(0.1, 0.35, 0.3), summary(0.1, 0.35, 0.3), summary(0.1, 0.8, 0.3)}, {1, 2, 3});
  EXPECT_FALSE(c["findings"][0]["decided"]) << c["findings"][0].dump();
}

TEST(SeedSummary, CellsOrFindingsMissingFromASeedAreLeftOut) {
  json partial = summary(0.1, 0.6, 0.3);
  partial["rows"].erase("student_rl");
  partial["findings"].erase(0);
  const json a = r1::report::aggregate_seed_summaries({summary(0.1, 0.6, 0.3), partial}, {1, 2});
  EXPECT_FALSE(a["rows"].contains("student_rl"));
  EXPECT_TRUE(a["rows"].contains("distill"));
  ASSERT_EQ(a["findings"].size(), 1u);
  EXPECT_EQ(a["findings"][0]["question"], "Is cons@k above pass@1 off the ceiling?");
}

TEST(SeedSummary, ReportShowsMeanAndSpreadAndLinksEachSeed) {
  const auto dir = std::filesystem::temp_directory_path() / ("r1_seed_report_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const json a = r1::report::aggregate_seed_summaries({summary(0.1, 0.6, 0.3), summary(0.3, 0.5, 0.3)}, {1, 2});
  r1::report::write_seed_report(dir.string(), a, {"base", "distill", "student_rl"});
  std::ifstream in(dir / "report.html");
  std::stringstream html;
  html << in.rdbuf();
  for (const char* needle : {"seed-1/report.html", "seed-2/report.html", "0.200 ± 0.141", "holds in 2 of 2 seeds"})
    EXPECT_NE(html.str().find(needle), std::string::npos) << needle;
  std::filesystem::remove_all(dir);
}

}  // namespace
