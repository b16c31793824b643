// The verifier on real model outputs and benchmark files, against labels made by others:
// R1-Distill responses labelled by thought-anchors, Qwen2.5-Math CoT samples graded by the Qwen
// grader, and the benchmarks' own (answer, solution) pairs.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/json_file.h"
#include "rewards/math/verify.h"

namespace m = r1::rewards::math;

namespace {

std::vector<nlohmann::json> read_data_jsonl(const std::string& name) {
  return r1::read_jsonl(std::string(R1_SOURCE_DATA_DIR) + "/" + name);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// 40 complete DeepSeek-R1-Distill responses (<think> ... </think> summary with \boxed{}), labelled
// correct/incorrect by the thought-anchors authors. Gold answers include "-\frac{1} { 4027}".
TEST(MathRealOutputs, R1DistillThoughtAnchorsAll40) {
  auto recs = read_data_jsonl("r1_distill_math_outputs_thought_anchors.jsonl");
  ASSERT_EQ(recs.size(), 40u);
  size_t agree = 0;
  for (size_t k = 0; k < recs.size(); ++k) {
    const auto& r = recs[k];
    auto t0 = std::chrono::steady_clock::now();
    m::VerifyResult v = m::verify(r.at("gt_answer").get<std::string>(), r.at("response").get<std::string>());
    EXPECT_LT(ms_since(t0), 2000);
    bool expected = r.at("source_is_correct");
    if (v.correct == expected) {
      ++agree;
      continue;
    }
    ADD_FAILURE() << "record " << k << " (" << r.at("model").get<std::string>() << " "
                  << r.at("problem_id").get<std::string>() << "): labelled " << expected << ", verdict " << v.correct
                  << "; gold '" << v.gold << "' pred [" << m::rule_name(v.pred_rule) << "] '" << v.pred
                  << "' reason: " << v.reason;
  }
  std::printf("thought_anchors: %zu/40 agree\n", agree);
}

// 100 MATH problems x 8 Qwen2.5-Math-Instruct CoT samples with the Qwen grader's verdicts. Every
// sample agrees except these, each with its reason; a new disagreement fails, and so does a listed
// one that starts to agree.
TEST(MathRealOutputs, QwenMathCotSamplesAgreeWithQwenGrader) {
  const std::map<std::pair<size_t, size_t>, std::string> known = {
      {{72, 7},
       "gold \"10{,}000\", response \\boxed{10000}: the Qwen grader's normalization keeps \"{,}\" and compares "
       "\"10{,}000\" as a string; \"{,}\" is LaTeX's thousands separator, so we read 10000 (and so does Math-Verify)"},
  };
  auto recs = read_data_jsonl("qwen25math_math_cot_100_samples.jsonl");
  ASSERT_EQ(recs.size(), 100u);
  size_t total = 0;
  double worst = 0;
  for (size_t k = 0; k < recs.size(); ++k) {
    const auto& r = recs[k];
    std::string gold = r.at("gt");
    for (size_t i = 0; i < r.at("response").size(); ++i) {
      auto t0 = std::chrono::steady_clock::now();
      m::VerifyResult v = m::verify(gold, r.at("response")[i].get<std::string>());
      worst = std::max(worst, ms_since(t0));
      bool expected = r.at("score")[i];
      ++total;
      const bool listed = known.count({k, i}) > 0;
      EXPECT_EQ(v.correct != expected, listed)
          << "problem " << k << " sample " << i << ": Qwen grader " << expected << ", verdict " << v.correct
          << "; gold '" << gold << "' pred [" << m::rule_name(v.pred_rule) << "] '" << v.pred << "' (Qwen extracted '"
          << r.at("pred")[i].get<std::string>() << "'); reason: " << v.reason;
    }
  }
  EXPECT_EQ(total, 800u);
  std::printf("qwen25math_math_cot_100: %zu known disagreements of %zu, slowest %.1f ms\n", known.size(), total, worst);
}

// MATH-500: each record's `answer` must match the \boxed{} of its own `solution`.
TEST(MathRealOutputs, Math500AnswerMatchesItsSolution) {
  auto recs = read_data_jsonl("math500_test.jsonl");
  ASSERT_EQ(recs.size(), 500u);
  size_t agree = 0;
  for (const auto& r : recs) {
    m::VerifyResult v = m::verify(r.at("answer").get<std::string>(), r.at("solution").get<std::string>());
    if (v.correct) {
      ++agree;
      continue;
    }
    ADD_FAILURE() << r.at("unique_id").get<std::string>() << ": answer '" << r.at("answer").get<std::string>()
                  << "' vs solution's [" << m::rule_name(v.pred_rule) << "] '" << v.pred << "': " << v.reason;
  }
  std::printf("math500 answer vs solution: %zu/500\n", agree);
}

// MATH-500 answers against other problems' answers: equal only when they are spellings of one
// value ("90^\circ" / "90", "\$36" / "36") or, by Math-Verify's rule that an open pair "(a, b)"
// may stand for the two answers "a, b", "-2,1" / "(-2,1)".
TEST(MathRealOutputs, Math500DifferentAnswersAreNotEquivalent) {
  auto recs = read_data_jsonl("math500_test.jsonl");
  size_t accepted = 0, pairs = 0;
  for (size_t i = 0; i < recs.size(); i += 3) {
    std::string gi = recs[i].at("answer");
    for (size_t j = 1; j < recs.size(); j += 11) {
      std::string gj = recs[j].at("answer");
      if (gi == gj) continue;
      ++pairs;
      if (!m::verify(gi, "\\boxed{" + gj + "}").correct) continue;
      ++accepted;
      auto strip = [](std::string s) {
        for (const char* z : {"^\\circ", "\\$", "(", ")"}) {
          size_t p = s.find(z);
          if (p != std::string::npos) s.erase(p, std::string(z).size());
        }
        return s;
      };
      EXPECT_EQ(strip(gi), strip(gj)) << "accepted '" << gj << "' for gold '" << gi << "'";
    }
  }
  std::printf("math500 cross pairs: %zu/%zu accepted\n", accepted, pairs);
}

// GSM8K test: the gold "#### N" against the full worked solution, and against a wrong number.
TEST(MathRealOutputs, Gsm8kFinalAnswers) {
  auto recs = read_data_jsonl("gsm8k_test.jsonl");
  ASSERT_EQ(recs.size(), 1319u);
  size_t ok = 0;
  for (const auto& r : recs) {
    std::string sol = r.at("answer");
    std::string final = sol.substr(sol.rfind("####") + 4);
    bool right = m::verify(final, sol).correct;
    bool wrong = m::verify(final, "The answer is " + final + "1.").correct;
    EXPECT_TRUE(right) << "gold '" << final << "'";
    EXPECT_FALSE(wrong) << "gold '" << final << "'";
    ok += right && !wrong;
  }
  std::printf("gsm8k: %zu/1319\n", ok);
}
