// The pipeline's findings from hand-made tables and curves: each question's verdict and numbers.
#include "report/pipeline_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

json row(double pass1, double cons, double length, double mixing) {
  return {{"running_sum", {{"pass@1", pass1}, {"cons@k", cons}, {"response_length", length}, {"language_mixing", mixing}}}};
}

json find(const json& findings, const std::string& prefix) {
  for (const auto& f : findings)
    if (f["question"].get<std::string>().rfind(prefix, 0) == 0) return f;
  return nullptr;
}

std::vector<json> curve(const std::string& stage, const std::string& key, const std::vector<double>& ys) {
  std::vector<json> out;
  for (size_t i = 0; i < ys.size(); ++i) out.push_back({{"stage", stage}, {"step", i}, {key, ys[i]}});
  return out;
}

TEST(PipelineFindings, AnswersEachQuestionFromTheNumbers) {
  json summary = {{"tasks", {"running_sum"}},
                  {"rows",
                   {{"base", row(0.5, 0.6, 15, 0.4)},
                    {"r1_zero", row(0.9, 0.95, 25, 0.4)},
                    {"reasoning_rl", row(0.92, 0.9, 25, 0.0)},
                    {"reasoning_rl_no_lc", row(0.95, 0.97, 25, 0.0)},
                    {"cold_start", row(1.0, 1.0, 25, 0.0)},  // at the ceiling: no cons@k verdict
                    {"student_base", row(0.1, 0.1, 15, 0.4)},
                    {"distill", row(0.6, 0.7, 25, 0)},
                    {"student_rl", row(0.7, 0.8, 25, 0)}}}};
  // R1-Zero climbs from 0 to 1 over 20 steps: its last-10 mean is (10+...+19)/19/10 = 145/190, and
  // a rising curve's trailing 10-step mean first reaches that at its last step, 20; from the cold
  // start (0.8 throughout) the first full window, step 10, already does.
  std::vector<double> zero, cold(15, 0.8);
  for (int i = 0; i < 20; ++i) zero.push_back(i / 19.0);
  std::vector<json> metrics = curve("r1_zero", "accuracy", zero);
  for (auto& m : curve("reasoning_rl", "accuracy", cold)) metrics.push_back(m);
  for (auto& m : curve("reasoning_rl", "language", std::vector<double>(12, 0.95))) metrics.push_back(m);
  for (auto& m : curve("reasoning_rl_no_lc", "language", std::vector<double>(12, 0.85))) metrics.push_back(m);
  summary["wall_seconds"] = {{"distill", 90.0}, {"student_rl", 110.0}};
  json f = r1::report::pipeline_findings(summary, metrics);
  ASSERT_EQ(f.size(), 5u);

  EXPECT_TRUE(find(f, "Does R1-Zero")["holds"]);
  // Each margin is the signed number that points the question's way.
  EXPECT_NEAR(find(f, "Does R1-Zero")["margin"].get<double>(), 0.4, 1e-12);
  EXPECT_EQ(find(f, "Does cold start")["margin"], 10);
  EXPECT_NEAR(find(f, "Does the language")["margin"].get<double>(), 0.10, 1e-12);  // mixing ties: 0.95 - 0.85
  EXPECT_NEAR(find(f, "Does distillation")["margin"].get<double>(), -0.1, 1e-12);
  EXPECT_TRUE(find(f, "Is cons@k")["margin"].is_null());
  const json cold_start = find(f, "Does cold start");
  EXPECT_TRUE(cold_start["holds"]) << cold_start.dump();
  EXPECT_NEAR(cold_start["numbers"]["target_accuracy"].get<double>(), 145.0 / 190.0, 1e-9);
  EXPECT_EQ(cold_start["numbers"]["steps_from_cold_start"], 10);
  EXPECT_EQ(cold_start["numbers"]["steps_from_base"], 20);
  // Held-out mixing ties at 0, so the rollouts' language consistency decides; accuracy cost 0.03.
  const json lc = find(f, "Does the language");
  EXPECT_TRUE(lc["holds"]) << lc.dump();
  EXPECT_NE(lc["answer"].get<std::string>().find("+0.030"), std::string::npos) << lc.dump();
  const json distill = find(f, "Does distillation");
  EXPECT_FALSE(distill["holds"]);  // 0.6 < 0.7
  EXPECT_EQ(distill["numbers"]["student_base"], 0.1);
  EXPECT_EQ(distill["numbers"]["seconds"]["distill"], 90);
  EXPECT_NE(distill["answer"].get<std::string>().find("base at 0.100 to 0.600 distilled vs 0.700 by RL alone (90 s"),
            std::string::npos)
      << distill.dump();
  const json cons = find(f, "Is cons@k");
  EXPECT_FALSE(cons["holds"]);  // reasoning_rl: 0.9 < 0.92
  EXPECT_EQ(cons["numbers"]["models_above"], 5);  // of the 7 off the ceiling: reasoning_rl is below, student_base ties
  EXPECT_EQ(cons["numbers"]["models"], 7);
  EXPECT_EQ(cons["numbers"]["at_ceiling_or_floor"], 1);
}

TEST(PipelineFindings, QuestionsWhoseStagesDidNotRunAreLeftOut) {
  json summary = {{"tasks", {"running_sum"}}, {"rows", {{"base", row(0.5, 0.6, 15, 0.4)}}}};
  json f = r1::report::pipeline_findings(summary, {});
  ASSERT_EQ(f.size(), 1u);  // only cons@k vs pass@1
  EXPECT_TRUE(f[0]["holds"]);
}

}  // namespace
