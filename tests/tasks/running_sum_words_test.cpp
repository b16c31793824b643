// Running sums with worded steps: the equation form is unchanged, single-language traces are
// consistent under R1's language reward, mixing follows the binomial law, and every written trace
// verifies.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "rewards/language.h"
#include "rewards/tagged_response.h"
#include "tasks/running_sum.h"
#include "tasks/task.h"

using namespace r1::tasks;

namespace {

Problem fixed_problem(const Task& task, std::vector<int> terms, std::string answer) {
  Rng rng(0);
  Problem p = task.sample(rng);
  p.data["terms"] = terms;
  p.answer = std::move(answer);
  return p;
}

}  // namespace

TEST(RunningSumWords, OffIsTheEquationFormBitForBit) {
  // Strings written by the pre-`words` code: the main demo's corpus must not change.
  auto plain = make_task("running_sum");
  auto off = make_task("running_sum", {{"words", false}, {"zh_fraction", 0.0}});
  Rng rng(7);
  EXPECT_EQ(plain->write_solution(fixed_problem(*plain, {3, 5, 2, 7}, "7"), true, rng),
            "<think>3+5=8 8+2=0 0+7=7</think><answer>7</answer>");
  EXPECT_EQ(off->write_solution(fixed_problem(*off, {9, 9, 0, 1}, "9"), true, rng),
            "<think>9+9=8 8+0=8 8+1=9</think><answer>9</answer>");
  EXPECT_EQ(off->write_solution(fixed_problem(*off, {9, 9, 0, 1}, "9"), false, rng), "<answer>9</answer>");
  auto plain_sums = make_task("running_sum", {{"modulus", 0}, {"terms", 3}});
  EXPECT_EQ(plain_sums->write_solution(fixed_problem(*plain_sums, {9, 8, 7}, "24"), true, rng),
            "<think>9+8=17 17+7=24</think><answer>24</answer>");
  // Same problems and traces from the same seed with or without the explicit defaults.
  Rng a(11), b(11);
  for (int i = 0; i < 50; ++i) {
    Problem pa = plain->sample(a), pb = off->sample(b);
    EXPECT_EQ(pa.question, pb.question);
    EXPECT_EQ(plain->write_solution(pa, true, a), off->write_solution(pb, true, b));
  }
}

TEST(RunningSumWords, OnlyMixedTracesDrawFromTheRng) {
  // A corpus generator shares one rng between sample() and write_solution(): the equation form
  // and single-language traces must leave its stream where it was.
  for (auto opts : {nlohmann::json::object(), nlohmann::json{{"words", true}},
                    nlohmann::json{{"words", true}, {"zh_fraction", 1.0}}}) {
    auto task = make_task("running_sum", opts);
    Rng untouched(13), used(13);
    task->write_solution(fixed_problem(*task, {1, 2, 3, 4}, "0"), true, used);
    EXPECT_EQ(untouched(), used()) << opts.dump();
  }
  auto mixed = make_task("running_sum", {{"words", true}, {"zh_fraction", 0.5}});
  Rng untouched(13), used(13);
  mixed->write_solution(fixed_problem(*mixed, {1, 2, 3, 4}, "0"), true, used);
  EXPECT_NE(untouched(), used());
}

TEST(RunningSumWords, WritesConnectivesInEachLanguage) {
  Rng rng(1);
  auto en = make_task("running_sum", {{"words", true}});
  EXPECT_EQ(en->write_solution(fixed_problem(*en, {3, 5, 2, 7}, "7"), true, rng),
            "<think>first 3+5=8 then 8+2=0 then 0+7=7</think><answer>7</answer>");
  auto zh = make_task("running_sum", {{"words", true}, {"zh_fraction", 1.0}});
  EXPECT_EQ(zh->write_solution(fixed_problem(*zh, {3, 5, 2, 7}, "7"), true, rng),
            "<think>首先 3+5=8 然后 8+2=0 然后 0+7=7</think><answer>7</answer>");
  EXPECT_EQ(zh->write_solution(fixed_problem(*zh, {3, 5, 2, 7}, "7"), false, rng), "<answer>7</answer>");
}

TEST(RunningSumWords, SingleLanguageTracesAreConsistent) {
  auto en = make_task("running_sum", {{"words", true}, {"zh_fraction", 0.0}, {"terms", 5}});
  auto zh = make_task("running_sum", {{"words", true}, {"zh_fraction", 1.0}, {"terms", 5}});
  Rng rng(3);
  for (int i = 0; i < 100; ++i) {
    Problem p = en->sample(rng);
    std::string e = en->write_solution(p, true, rng), z = zh->write_solution(p, true, rng);
    EXPECT_DOUBLE_EQ(r1::rewards::cot_language_reward(e, "en"), 1.0) << e;
    EXPECT_DOUBLE_EQ(r1::rewards::cot_language_reward(z, "zh"), 1.0) << z;
    EXPECT_DOUBLE_EQ(r1::rewards::cot_language_reward(e, "zh"), 0.0) << e;
    EXPECT_DOUBLE_EQ(r1::rewards::cot_language_reward(z, "en"), 0.0) << z;
    // One English word per step ("first" / "then"); two Han characters ("首先" / "然后").
    EXPECT_EQ(r1::rewards::count_words(r1::rewards::parse_tagged_response(e).think).latin, 4) << e;
    EXPECT_EQ(r1::rewards::count_words(r1::rewards::parse_tagged_response(z).think).han, 2 * 4) << z;
  }
}

TEST(RunningSumWords, MixedTraceShareFollowsTheBinomialLaw) {
  // Each of the terms-1 steps is Chinese with probability f, independently: a trace is mixed
  // unless all steps share a language, P(mixed) = 1 - f^s - (1-f)^s, and the expected share of
  // Chinese steps (two Han characters each, one English word otherwise) is f.
  for (auto [terms, f] : {std::pair{4, 0.5}, std::pair{5, 0.2}}) {
    auto task = make_task("running_sum", {{"words", true}, {"zh_fraction", f}, {"terms", terms}});
    Rng rng(5);
    const int n = 4000, steps = terms - 1;
    int mixed = 0;
    double zh_share = 0;
    for (int i = 0; i < n; ++i) {
      Problem p = task->sample(rng);
      const std::string r = task->write_solution(p, true, rng);
      double en = r1::rewards::cot_language_reward(r, "en");
      mixed += en > 0.0 && en < 1.0;
      auto words = r1::rewards::count_words(r1::rewards::parse_tagged_response(r).think);
      zh_share += words.han / 2.0 / steps / n;
    }
    const double expect = 1.0 - std::pow(f, steps) - std::pow(1.0 - f, steps);
    const double sd = std::sqrt(expect * (1 - expect) / n);
    EXPECT_NEAR(static_cast<double>(mixed) / n, expect, 5 * sd) << "terms " << terms << " f " << f;
    EXPECT_NEAR(zh_share, f, 0.03) << "terms " << terms << " f " << f;
  }
}

TEST(RunningSumWords, WrittenTracesVerifyAndTheirArithmeticHolds) {
  for (double f : {0.0, 0.5, 1.0}) {
    auto task = make_task("running_sum", {{"words", true}, {"zh_fraction", f}, {"max_digit", 9}});
    Rng rng(9);
    for (int i = 0; i < 200; ++i) {
      Problem p = task->sample(rng);
      std::string r = task->write_solution(p, true, rng);
      auto s = task->score(p, r);
      EXPECT_TRUE(s.correct) << r;
      EXPECT_TRUE(s.well_formed) << r;
      EXPECT_DOUBLE_EQ(s.reward, 1.0);
      // Independent check of each step: read "then a+b=c" / "然后 a+b=c" back.
      auto xs = p.data["terms"].get<std::vector<int>>();
      std::string think = r1::rewards::parse_tagged_response(r).think;
      int acc = xs[0];
      size_t pos = 0;
      for (size_t k = 1; k < xs.size(); ++k) {
        int next = (acc + xs[k]) % 10;
        const std::string eq = std::to_string(acc) + "+" + std::to_string(xs[k]) + "=" + std::to_string(next);
        std::string en = (k == 1 ? "first " : "then ") + eq;
        std::string zh = (k == 1 ? "首先 " : "然后 ") + eq;
        if (think.compare(pos, en.size(), en) == 0) {
          pos += en.size();
        } else {
          ASSERT_EQ(think.compare(pos, zh.size(), zh), 0) << think << " at step " << k;
          pos += zh.size();
        }
        if (k + 1 < xs.size()) {
          ASSERT_EQ(think[pos], ' ') << think;
          ++pos;
        }
        acc = next;
      }
      EXPECT_EQ(pos, think.size()) << think;
      EXPECT_EQ(std::to_string(acc), p.answer);
    }
  }
}

TEST(RunningSumWords, OptionErrorsNameTheOption) {
  auto message = [](const nlohmann::json& o) {
    try {
      make_task("running_sum", o);
    } catch (const r1::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"words", true}, {"zh_fraction", 1.5}}).find("zh_fraction"), std::string::npos);
  EXPECT_NE(message({{"words", true}, {"zh_fraction", -0.1}}).find("zh_fraction"), std::string::npos);
  EXPECT_NE(message({{"zh_fraction", 0.5}}).find("needs words"), std::string::npos);
  EXPECT_NE(message({{"words", "yes"}}).find("words"), std::string::npos);
  EXPECT_NE(message({{"word", true}}).find("word"), std::string::npos);
  EXPECT_EQ(message({{"words", true}, {"zh_fraction", 1}}), "no error");
}
