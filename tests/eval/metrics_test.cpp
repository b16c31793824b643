// Eval metrics against lighteval's own test cases (data/lighteval_metric_cases), a
// naive binomial reference, and hand-computed votes with ties.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "eval/benchmark.h"
#include "eval/benchmark_runner.h"
#include "eval/metrics.h"
#include "rewards/math/verify.h"
#include "tasks/datasets/dataset_task.h"

using namespace r1::eval;
using nlohmann::json;

namespace {

json load_cases(const std::string& file) {
  std::ifstream in(std::string(R1_SOURCE_DATA_DIR) + "/lighteval_metric_cases/" + file);
  EXPECT_TRUE(in.good()) << file;
  return json::parse(in)["test_cases"];
}

// The gold text of a lighteval Doc: choices[gold_index] (gold_index may be a list: the first one).
std::string gold_of(const json& doc) {
  const auto& gi = doc["gold_index"];
  return doc["choices"][gi.is_array() ? gi[0].get<int>() : gi.get<int>()];
}

std::vector<std::string> texts(const json& tc) { return tc["model_response"]["text"].get<std::vector<std::string>>(); }

bool exact(const std::string& gold, const std::string& pred) { return gold == pred; }
bool math_eq(const std::string& gold, const std::string& pred) {
  return r1::rewards::math::verify(gold, pred).correct;
}

double choose(int n, int k) {  // naive reference
  if (k < 0 || k > n) return 0;
  double r = 1;
  for (int i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return r;
}

}  // namespace

TEST(Metrics, PassAtKMatchesLightevalCases) {
  for (const char* file : {"pass_at_k.json", "pass_at_k_math.json"}) {
    bool math = std::string(file).find("math") != std::string::npos;
    for (const auto& tc : load_cases(file)) {
      int64_t k = tc["metric_params"]["k"], n = tc["metric_params"]["n"];
      auto preds = texts(tc);
      std::string gold = gold_of(tc["doc"]);
      int64_t c = 0;
      for (int64_t i = 0; i < n; ++i) c += math ? math_eq(gold, preds[i]) : exact(gold, preds[i]);
      for (auto it = tc["expected_output"].begin(); it != tc["expected_output"].end(); ++it)
        EXPECT_NEAR(pass_at_k(n, c, k), it.value().get<double>(), tc["tolerance"].get<double>()) << tc["name"];
    }
  }
}

TEST(Metrics, AvgAtKIsPass1OverTheFirstKSamples) {
  for (const char* file : {"avg_at_k.json", "avg_at_k_math.json"}) {
    bool math = std::string(file).find("math") != std::string::npos;
    for (const auto& tc : load_cases(file)) {
      int64_t k = tc["metric_params"]["k"];
      auto preds = texts(tc);
      std::string gold = gold_of(tc["doc"]);  // lighteval scores against the first gold only
      double sum = 0;
      for (int64_t i = 0; i < k; ++i) sum += math ? math_eq(gold, preds[i]) : exact(gold, preds[i]);
      EXPECT_NEAR(sum / k, tc["expected_output"].begin().value().get<double>(), tc["tolerance"].get<double>())
          << tc["name"];
    }
  }
}

TEST(Metrics, MajAtKMatchesLightevalIncludingTies) {
  for (const auto& tc : load_cases("maj_at_k.json")) {
    int64_t k = tc["metric_params"]["k"];
    auto preds = texts(tc);
    preds.resize(k);
    Vote v = majority_vote(preds, exact);
    std::string gold = gold_of(tc["doc"]);
    double got = v.winner >= 0 && preds[v.winner] == gold;
    EXPECT_EQ(got, tc["expected_output"].begin().value().get<double>()) << tc["name"];
  }
}

TEST(Metrics, GPassAtKMatchesLightevalCases) {
  // Correctness comes from our verifier. Like lighteval's math extractor it reads no plain-text
  // answer with variables ("x^2/2", "n(n+1)/2" are wrong in both), but lighteval counts "2x" vs
  // "2x" as correct where we find no answer. For that one case the formula is checked with
  // lighteval's count (all correct), and our count (none) is asserted so a change shows up.
  const std::string two_x = "G Pass At K Math - Multiple Samples All Correct";
  int checked = 0;
  for (const char* file : {"g_pass_at_k_math.json", "g_pass_at_k_latex.json"}) {
    for (const auto& tc : load_cases(file)) {
      int64_t k = tc["metric_params"]["k"], n = tc["metric_params"]["n"];
      auto preds = texts(tc);
      std::string gold = gold_of(tc["doc"]);
      int64_t c = 0;
      for (int64_t i = 0; i < n; ++i) c += math_eq(gold, preds[i]);
      if (tc["name"] == two_x) {
        EXPECT_EQ(c, 0);
        c = n;
      }
      for (auto it = tc["expected_output"].begin(); it != tc["expected_output"].end(); ++it) {
        const std::string key = it.key();
        const bool mg = key.rfind("mmath_", 0) == 0 || key.rfind("mlatex_", 0) == 0;
        double got = mg ? mg_pass_at_k(n, c, k) : g_pass_at_k(n, c, k, std::stod(key.substr(key.rfind('_') + 1)));
        EXPECT_NEAR(got, it.value().get<double>(), tc["tolerance"].get<double>()) << tc["name"] << " " << key;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, (11 + 7) * 6);
}

TEST(Metrics, PassAtKEqualsTheBinomialFormula) {
  for (int n = 1; n <= 40; n += 3)
    for (int c = 0; c <= n; ++c)
      for (int k = 1; k <= n; ++k)
        EXPECT_NEAR(pass_at_k(n, c, k), 1.0 - choose(n - c, k) / choose(n, k), 1e-9) << n << " " << c << " " << k;
  EXPECT_DOUBLE_EQ(pass_at_k(16, 4, 1), 0.25);  // pass@1 = c/n
  EXPECT_DOUBLE_EQ(pass_at_k(1000, 0, 500), 0.0);
  EXPECT_NEAR(pass_at_k(1000, 1, 500), 0.5, 1e-12);  // C(999,500)/C(1000,500) = 500/1000
  EXPECT_THROW(pass_at_k(4, 5, 1), r1::Error);
  EXPECT_THROW(pass_at_k(4, 1, 5), r1::Error);
  EXPECT_EQ(pass_k_values(16), (std::vector<int64_t>{1, 2, 4, 8, 16}));
  EXPECT_EQ(pass_k_values(6), (std::vector<int64_t>{1, 2, 4, 6}));
  EXPECT_EQ(pass_k_values(1), (std::vector<int64_t>{1}));
}

TEST(Metrics, GPassIsHypergeometricTail) {
  // n=10, c=5, k=4: P[X>=2] = 1 - (C(5,0)C(5,4) + C(5,1)C(5,3)) / C(10,4) = 1 - (5 + 50)/210
  EXPECT_NEAR(g_pass_at_k(10, 5, 4, 0.5), 1.0 - 55.0 / 210.0, 1e-12);
  EXPECT_NEAR(g_pass_at_k(10, 5, 4, 0.0), pass_at_k(10, 5, 4), 1e-12);  // tau 0 counts as "at least one"
  EXPECT_NEAR(g_pass_at_k(10, 5, 4, 1.0), choose(5, 4) / choose(10, 4), 1e-12);
}

TEST(Metrics, VoteClustersEquivalentAnswersAndBreaksTiesByFirstAppearance) {
  // {1/2, 0.5, \frac12} are one answer: 3 votes beat "3" with 2.
  auto v = majority_vote({"3", "1/2", "3", "0.5", "\\frac{1}{2}"}, math_eq);
  EXPECT_EQ(v.winner, 1);
  EXPECT_EQ(v.votes, 3);
  EXPECT_EQ(v.clusters, 2);
  EXPECT_EQ(v.cluster, (std::vector<int64_t>{0, 1, 0, 1, 1}));
  // 2 - 2 tie: the cluster that appeared first wins, whichever order the members come in.
  EXPECT_EQ(majority_vote({"1/2", "3", "0.5", "3"}, math_eq).winner, 0);
  EXPECT_EQ(majority_vote({"3", "1/2", "0.5", "3"}, math_eq).winner, 0);
  EXPECT_EQ(majority_vote({"7", "1/2", "0.5", "3", "3"}, math_eq).winner, 1);
  // No answer, no vote.
  auto none = majority_vote({"", "", "4"}, math_eq);
  EXPECT_EQ(none.winner, 2);
  EXPECT_EQ(none.cluster, (std::vector<int64_t>{-1, -1, 0}));
  EXPECT_EQ(majority_vote({"", ""}, math_eq).winner, -1);
}

TEST(Metrics, SummaryOfRecordsIsComputedPerProblem) {
  Benchmark b;
  b.name = "hand";
  b.task = std::make_shared<r1::tasks::MathDatasetTask>(
      "hand", std::vector<r1::tasks::Problem>{{"hand", "q", "1/2"}});  // answers compared by value
  auto rec = [](int64_t prompt, int64_t sample, std::string answer, bool correct) {
    SampleRecord r;
    r.prompt_id = "hand/" + std::to_string(prompt);
    r.prompt_index = prompt;
    r.sample = sample;
    r.answer = std::move(answer);
    r.correct = correct;
    r.stopped = true;
    r.tokens = 10 * (sample + 1);
    r.thinks = sample == 0;
    return r;
  };
  // Problem 0 (gold 1/2): 2 of 4 right, the wrong "3" ties with the right cluster and came first.
  // Problem 1 (gold 5): 1 of 4 right, majority "4" (2 votes) is wrong... unless equivalence says no.
  // Problem 2 (gold 2): 3 of 4 right, one sample without answer.
  std::vector<SampleRecord> rs = {rec(0, 0, "3", false), rec(0, 1, "0.5", true),  rec(0, 2, "3", false),
                                  rec(0, 3, "1/2", true), rec(1, 0, "4", false),   rec(1, 1, "5", true),
                                  rec(1, 2, "4.0", false), rec(1, 3, "6", false),  rec(2, 0, "", false),
                                  rec(2, 1, "2", true),   rec(2, 2, "2", true),     rec(2, 3, "2", true)};
  auto s = summarize(b, rs, 4);
  EXPECT_NEAR(s["pass@1"].get<double>(), (0.5 + 0.25 + 0.75) / 3, 1e-12);
  EXPECT_NEAR(s["pass@k"]["2"].get<double>(), ((1 - 1.0 / 6) + (1 - 3.0 / 6) + 1.0) / 3, 1e-12);
  EXPECT_NEAR(s["pass@k"]["4"].get<double>(), 1.0, 1e-12);
  EXPECT_NEAR(s["cons@k"].get<double>(), (0 + 0 + 1) / 3.0, 1e-12);
  EXPECT_EQ(s["problems"], 3);
  EXPECT_EQ(s["samples"], 12);
  EXPECT_EQ(s["correct_samples"], 6);
  EXPECT_NEAR(s["response_tokens_mean"].get<double>(), 25.0, 1e-12);
  EXPECT_NEAR(s["think_rate"].get<double>(), 0.25, 1e-12);
  EXPECT_NEAR(s["no_answer_rate"].get<double>(), 1.0 / 12, 1e-12);
}
