// Pathological answers finish in bounded time with a "too large" verdict -- never a timeout
// silently counted as wrong, never a partial parse read as the answer.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "rewards/math/verify.h"

namespace m = r1::rewards::math;

namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int k = 0; k < n; ++k) out += s;
  return out;
}

struct Timed {
  m::VerifyResult r;
  double ms;
};

Timed timed_verify(const std::string& gold, const std::string& pred) {
  auto t0 = std::chrono::steady_clock::now();
  m::VerifyResult r = m::verify(gold, pred);
  return {r, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count()};
}

// Far below the 3 s deadline of one call, far above what these take on a loaded 2-core machine.
constexpr double kBoundMs = 1500;

}  // namespace

TEST(MathBounds, DeepNestingIsTooLarge) {
  const std::vector<std::string> preds = {
      "$" + repeat("\\frac{1}{1+", 100) + "1" + repeat("}", 100) + "$",
      "$" + repeat("(", 5000) + "1" + repeat(")", 5000) + "$",
      "$" + repeat("\\sqrt{", 80) + "2" + repeat("}", 80) + "$",
      "$" + repeat("-", 3000) + "1$",
      "$" + repeat("{", 200) + "1" + repeat("}", 200) + "$",
  };
  for (const auto& pred : preds) {
    Timed t = timed_verify("1", pred);
    EXPECT_FALSE(t.r.correct) << pred.substr(0, 40);
    EXPECT_EQ(t.r.verdict, m::Verdict::TooLarge) << pred.substr(0, 40) << ": " << t.r.reason;
    EXPECT_LT(t.ms, kBoundMs) << pred.substr(0, 40);
  }
  // The same depth as a gold: the item cannot be graded, and no fraction inside it stands in.
  Timed g = timed_verify("$" + repeat("\\frac{1}{1+", 100) + "1" + repeat("}", 100) + "$", "\\boxed{1}");
  EXPECT_EQ(g.r.verdict, m::Verdict::TooLarge) << g.r.reason;
  EXPECT_FALSE(g.r.gold_found);
}

TEST(MathBounds, HugeValuesAreTooLargeUnlessWrittenAlike) {
  struct Case {
    std::string gold, pred;
  };
  const std::vector<Case> cases = {
      {"2^{2^{2^{2^{2^{2^{2}}}}}}", "\\boxed{2}"},  // 2^(2^65536)
      {"10^{10^{10}}", "\\boxed{1}"},
      {"1000000!", "\\boxed{1000000}"},
      {"(10^{6})!", "\\boxed{10^{6}}"},
      {"\\binom{1000000}{500000}", "\\boxed{1}"},
      {"1", "\\boxed{" + repeat("7", 30000) + "}"},              // longer than an answer may be
      {"1", "$9^{9^{9^{9}}}$"},
      {"3", "\\boxed{3^{3^{3^{3}}}}"},
      {"1", "$\\prod_{k=1}^{1000} k^{k}$"},                 // 1.5 million digits, term by term
      {"1", "$\\sum_{k=1}^{1000} k^{100000}$"},
      {"1", "$2 \\cdot 9^{9^{9}}$"},                        // no arithmetic on an unevaluated power
      {"1", "$\\sum_{k=1}^{10} 5^{9^{k^{24}}}$"},             // terms of 10^(10^22) digits
  };
  for (const auto& c : cases) {
    Timed t = timed_verify(c.gold, c.pred);
    EXPECT_FALSE(t.r.correct) << c.gold << " vs " << c.pred.substr(0, 40);
    EXPECT_EQ(t.r.verdict, m::Verdict::TooLarge) << c.gold << " vs " << c.pred.substr(0, 40) << ": " << t.r.reason;
    EXPECT_LT(t.ms, kBoundMs) << c.gold;
  }
  // A symbolic tower is compared without evaluating it where it is astronomically large: at the
  // random points x in [0.15, 2.35], 5^(9^(x^24 9^9)) would be a float of 10^17 digits.
  Timed tower = timed_verify("9", "\\boxed{5^{9^{x^{24} 9^{9}}}}");
  EXPECT_FALSE(tower.r.correct);
  EXPECT_LT(tower.ms, kBoundMs);
  // Written alike, a huge value still equals itself.
  Timed same = timed_verify("10^{10^{10}}", "\\boxed{10^{10^{10}}}");
  EXPECT_TRUE(same.r.correct) << same.r.reason;
  EXPECT_LT(same.ms, kBoundMs);
}

TEST(MathBounds, LongResponsesAreSearchedWholeOrCalledTooLarge) {
  // 300 KB of reasoning before the answer: searched whole, not as its tail.
  std::string reasoning = repeat("We add the terms one by one and check each partial sum. ", 5500);
  Timed t = timed_verify("42", reasoning + "So the answer is \\boxed{42}.");
  EXPECT_TRUE(t.r.correct) << t.r.reason;
  EXPECT_LT(t.ms, 5 * kBoundMs);
  // A box opened at the start of a response longer than the search bound: too large, not the
  // end of the text read as the box's content.
  Timed big = timed_verify("42", "\\boxed{" + repeat("4", 1 << 21) + "}");
  EXPECT_EQ(big.r.verdict, m::Verdict::TooLarge) << big.r.reason;
  EXPECT_LT(big.ms, 5 * kBoundMs);
  // Many unclosed openers: linear, not quadratic.
  Timed openers = timed_verify("1", repeat("\\[ $ \\( ", 30000));
  EXPECT_FALSE(openers.r.correct);
  EXPECT_LT(openers.ms, 5 * kBoundMs);
}
