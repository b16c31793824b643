// One test per normalization / extraction / comparison rule, each on right, wrong and malformed
// answers. Expected verdicts are mathematical facts (1/2 = 0.5, sin^2 + cos^2 = 1, ...), not
// outputs of the code under test.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "rewards/math/extract.h"
#include "rewards/math/normalize.h"
#include "rewards/math/parse.h"
#include "rewards/math/verify.h"

namespace m = r1::rewards::math;

namespace {

bool eq(const std::string& gold, const std::string& pred) { return m::answers_equivalent(gold, "$" + pred + "$"); }

// Parses and checks the value against an exact GiNaC number.
void expect_value(const std::string& latex, const GiNaC::ex& expected) {
  auto v = m::parse_answer(latex);
  ASSERT_TRUE(v.has_value()) << latex;
  ASSERT_EQ(v->kind, m::Value::Kind::Expr) << latex;
  GiNaC::ex diff = GiNaC::evalf(v->ex - expected);
  ASSERT_TRUE(GiNaC::is_a<GiNaC::numeric>(diff)) << latex << " parsed as " << m::to_string(*v);
  EXPECT_LT(GiNaC::abs(GiNaC::ex_to<GiNaC::numeric>(diff)).to_double(), 1e-12)
      << latex << " parsed as " << m::to_string(*v);
}

}  // namespace

// ---- normalization ------------------------------------------------------------------------------

TEST(MathNormalize, FractionsSizingSpacingAndUnits) {
  EXPECT_EQ(m::normalize_latex("\\dfrac{1}{2}"), "\\frac{1}{2}");
  EXPECT_EQ(m::normalize_latex("\\tfrac12"), "\\frac12");
  EXPECT_EQ(m::normalize_latex("\\left( \\frac{1}{3} \\right)"), "( \\frac{1}{3} )");
  EXPECT_EQ(m::normalize_latex("15\\text{ cm}^2"), "15");
  EXPECT_EQ(m::normalize_latex("125\\textnormal{ miles}"), "125");
  EXPECT_EQ(m::normalize_latex("12 dollars"), "12");
  EXPECT_EQ(m::normalize_latex("90^\\circ"), "90");
  EXPECT_EQ(m::normalize_latex("90^{\\circ}"), "90");
  EXPECT_EQ(m::normalize_latex("28 percent"), "28 \\%");
  EXPECT_EQ(m::normalize_latex("28%"), "28\\%");
  EXPECT_EQ(m::normalize_latex("10{,}000"), "10,000");
  EXPECT_EQ(m::normalize_latex("11,\\! 111,\\! 100"), "11,111,100");
  EXPECT_EQ(m::normalize_latex("x = 5."), "x = 5");
  EXPECT_EQ(m::normalize_latex(".5"), "0.5");
  EXPECT_EQ(m::normalize_latex("\\\\frac{1}{5}"), "\\frac{1}{5}");  // doubled backslash
  EXPECT_EQ(m::normalize_latex("\\$18.90"), "18.90");
  EXPECT_EQ(m::normalize_latex("\\boxed{\\frac{1}{2}}"), "\\frac{1}{2}");
  // Row breaks of a matrix survive the spacing rules.
  EXPECT_EQ(m::normalize_latex("\\begin{pmatrix}1\\\\ 2\\end{pmatrix}"), "\\begin{pmatrix}1\\\\ 2\\end{pmatrix}");
}

// ---- parsing ----------------------------------------------------------------------------------

TEST(MathParse, NumbersFractionsRootsAndFunctions) {
  expect_value("\\frac{1}{2}", GiNaC::numeric(1, 2));
  expect_value("\\frac94", GiNaC::numeric(9, 4));      // malformed \frac94
  expect_value("\\frac3{3}", 1);
  expect_value("12\\frac{3}{5}", GiNaC::numeric(63, 5));  // mixed number
  expect_value("-2\\frac{1}{2}", GiNaC::numeric(-5, 2));
  expect_value("\\sqrt[3]{27}", 3);
  expect_value("\\sqrt{8}", 2 * GiNaC::sqrt(GiNaC::ex(2)));
  expect_value("2^{10}", 1024);
  expect_value("3 \\times 10^{8}", GiNaC::numeric(300000000));
  expect_value("1.5e3", 1500);
  expect_value("2E-2", GiNaC::numeric(1, 50));
  expect_value("1,234,567", 1234567);
  expect_value("0,111", GiNaC::numeric(111, 1000));
  expect_value("25\\%", GiNaC::numeric(1, 4));
  expect_value("5!", 120);
  expect_value("\\binom{5}{2}", 10);
  expect_value("|-3|", 3);
  expect_value("\\sin\\frac{\\pi}{6}", GiNaC::numeric(1, 2));
  expect_value("\\log_2 8", GiNaC::log(GiNaC::ex(8)) / GiNaC::log(GiNaC::ex(2)));
  expect_value("e^{0}", 1);
  expect_value("\\lfloor 3.7 \\rfloor", 3);
  expect_value("\\sum_{k=1}^{10} k", 55);            // Gauss
  expect_value("\\sum_{i=1}^{4} i^2", 30);           // 1 + 4 + 9 + 16
  expect_value("\\prod_{j=1}^{5} j", 120);           // 5!
}

TEST(MathParse, StructuresAndMalformedInput) {
  auto set = m::parse_answer("\\{1, 2, 3\\}");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->kind, m::Value::Kind::Set);
  EXPECT_EQ(set->items.size(), 3u);
  auto iv = m::parse_answer("(0, 1]");
  ASSERT_TRUE(iv);
  EXPECT_EQ(iv->kind, m::Value::Kind::Interval);
  EXPECT_TRUE(iv->left_open);
  EXPECT_FALSE(iv->right_open);
  auto tup = m::parse_answer("(1, 2, 3)");
  ASSERT_TRUE(tup);
  EXPECT_EQ(tup->kind, m::Value::Kind::Tuple);
  auto mat = m::parse_answer("\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}");
  ASSERT_TRUE(mat);
  EXPECT_EQ(mat->kind, m::Value::Kind::Matrix);
  auto chain = m::parse_answer("1 < x \\le 2");
  ASSERT_TRUE(chain);
  EXPECT_EQ(chain->kind, m::Value::Kind::Chain);
  auto semis = m::parse_answer("p=5,q=2;p=7,q=2");  // a set of two (p, q) tuples
  ASSERT_TRUE(semis);
  EXPECT_EQ(semis->kind, m::Value::Kind::Set);
  EXPECT_EQ(semis->items.size(), 2u);
  for (const char* bad : {"\\frac{1}{", "}{", "((1)", "1 +", "\\frac{1}{0}", "\\unknowncommand{3}", "", "[1, 2, 3)",
                          "\\begin{pmatrix}1 & 2 \\\\ 3\\end{pmatrix}", "0^{-1}"})
    EXPECT_FALSE(m::parse_answer(bad).has_value()) << bad;
}

// ---- extraction -------------------------------------------------------------------------------

TEST(MathExtract, Rules) {
  auto first = [](const std::string& text, m::ExtractOptions opt = {}) {
    auto c = m::extract_answers(text, opt);
    return c.empty() ? std::make_pair(std::string("<none>"), m::ExtractionRule::Whole) : std::make_pair(c[0].text, c[0].rule);
  };
  EXPECT_EQ(first("so \\boxed{\\frac{1}{\\sqrt{2}}} and done").first, "\\frac{1}{\\sqrt{2}}");
  EXPECT_EQ(first("\\boxed{1}. On reflection that was a mistake so it is \\fbox{7}").first, "7");
  EXPECT_EQ(first("\\boxed{1} then \\fbox{7}").first, "1,7");  // boxes < 10 characters apart are one answer
  EXPECT_EQ(first("\\boxed{1} and \\boxed{2}").first, "1,2");
  EXPECT_EQ(first("\\boxed{1} no no no no no \\boxed{2}").first, "2");
  EXPECT_EQ(m::last_boxed("x \\boxed{a{b}c} y"), "a{b}c");
  EXPECT_EQ(m::last_boxed("no box here"), "");
  EXPECT_EQ(first("Natalia sold 48+24 = 72 clips.\n#### 1,072"), std::make_pair(std::string("1072"), m::ExtractionRule::Gsm8k));
  EXPECT_EQ(first("Thus the answer is 42."), std::make_pair(std::string("42"), m::ExtractionRule::AnswerSentence));
  EXPECT_EQ(first("Thus the answer is 42, as 6 times 7 is 42."), std::make_pair(std::string("42"), m::ExtractionRule::AnswerIs));
  EXPECT_EQ(first("Final Answer: The final answer is $\\frac{3}{4}$. I hope it is correct."),
            std::make_pair(std::string("\\frac{3}{4}"), m::ExtractionRule::FinalAnswerIs));
  EXPECT_EQ(first("we get $x = 3$ so"), std::make_pair(std::string("x = 3"), m::ExtractionRule::LatexMath));
  EXPECT_EQ(first("it costs 7 dollars, then 12 more"), std::make_pair(std::string("12"), m::ExtractionRule::PlainNumber));
  // Only the part after the last </think> is graded.
  EXPECT_EQ(first("<think>maybe \\boxed{1}</think>So \\boxed{2}").first, "2");
  EXPECT_EQ(first("<think>maybe \\boxed{1}</think>no answer").first, "<none>");
  EXPECT_EQ(first("<think>unfinished reasoning \\boxed{3}").first, "3");
  m::ExtractOptions mc;
  mc.letters = true;
  EXPECT_EQ(first("The answer is (C).", mc), std::make_pair(std::string("C"), m::ExtractionRule::Choice));
  EXPECT_EQ(first("**Answer: B**", mc).first, "B");
  EXPECT_EQ(first("", mc).first, "<none>");
}

// ---- equivalence ------------------------------------------------------------------------------

TEST(MathEquivalence, NumbersRightWrongAndMalformed) {
  EXPECT_TRUE(eq("\\frac{1}{2}", "0.5"));
  EXPECT_TRUE(eq("0.5", "\\frac{1}{2}"));
  EXPECT_TRUE(eq("\\frac{1}{3}", "0.333333"));  // rounding to 6 places
  EXPECT_FALSE(eq("\\frac{1}{3}", "0.33"));
  EXPECT_FALSE(eq("\\frac{1}{2}", "0.51"));
  EXPECT_TRUE(eq("1000000", "1,000,000"));
  EXPECT_TRUE(eq("1500", "1.5 \\times 10^3"));
  EXPECT_TRUE(eq("25\\%", "0.25"));
  EXPECT_TRUE(eq("25", "25\\%"));  // percent_lenient
  EXPECT_FALSE(eq("2", "-2"));
  EXPECT_FALSE(eq("\\sqrt{2}", "1.41"));
  EXPECT_TRUE(eq("\\sqrt{2}", "1.414214"));
  EXPECT_TRUE(eq("18.90", "\\$18.9"));
  EXPECT_TRUE(eq("30", "30^\\circ"));
  EXPECT_TRUE(eq("5", "5 \\text{ cm}"));
  EXPECT_TRUE(eq("-\\frac{1} { 4027}", "-\\dfrac{1}{4027}"));
  EXPECT_FALSE(eq("-\\frac{1} { 4027}", "\\dfrac{1}{4027}"));
  for (const char* bad : {"\\frac{1}{", "}{}}{", "", "\\boxed{", "((((", "\\sqrt"}) {
    EXPECT_FALSE(m::answers_equivalent("5", bad)) << bad;
    EXPECT_FALSE(m::answers_equivalent(bad, "5")) << bad;
  }
}

TEST(MathEquivalence, SymbolicExpressions) {
  EXPECT_TRUE(eq("x^2+2x+1", "(x+1)^2"));
  EXPECT_FALSE(eq("x^2+2x+1", "(x-1)^2"));
  EXPECT_TRUE(eq("\\sqrt{8}", "2\\sqrt{2}"));
  EXPECT_TRUE(eq("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}"));
  EXPECT_TRUE(eq("1", "\\sin^2 x + \\cos^2 x"));     // random-point evaluation
  EXPECT_TRUE(eq("\\tan^2(y)+1", "\\sec^2(y)"));
  EXPECT_TRUE(eq("\\frac{9}{4}\\pi", "\\frac94\\pi"));
  EXPECT_TRUE(eq("\\log_2 8", "3"));
  EXPECT_TRUE(eq("e^{i\\pi}", "-1") || true);      // complex exponent: accepted or not, must not crash
  EXPECT_FALSE(eq("x+2n+1", "x+1"));
  EXPECT_FALSE(eq("\\pi", "3.14"));
  EXPECT_TRUE(eq("\\pi", "3.1415926535897932"));
  // Symbolic bounds: equal when the summands are equal up to the order of factors.
  EXPECT_TRUE(eq("\\sum_{k=0}^{n-1} F_k F_{n-k-1}", "\\sum_{k=0}^{n-1} F_{n-k-1} F_k"));
  EXPECT_FALSE(eq("\\sum_{k=0}^{n-1} F_k F_{n-k-1}", "\\sum_{k=0}^{n-2} F_k F_{n-k-2}"));
}

TEST(MathEquivalence, EquationsAndInequalities) {
  EXPECT_TRUE(eq("3", "x = 3"));            // predicted equation, bare gold: its right side
  EXPECT_TRUE(eq("x = 3", "3"));            // gold assignment, bare prediction
  EXPECT_FALSE(eq("2x + z = 1", "1"));      // not an assignment: stays an equation
  EXPECT_FALSE(eq("x = 3", "y = 3"));
  EXPECT_TRUE(eq("y = 2x + 1", "2x - y + 1 = 0"));  // same line up to a factor
  EXPECT_TRUE(eq("x \\geq 5", "5 \\leq x"));
  EXPECT_FALSE(eq("x \\geq 5", "x \\leq 5"));
  EXPECT_TRUE(eq("x \\le 1", "-x \\ge -1"));
  EXPECT_FALSE(eq("x < 1", "x > -1"));
  EXPECT_TRUE(eq("x = 11", "x = 5+5+1 = 11"));
}

TEST(MathEquivalence, SetsTuplesIntervalsMatrices) {
  EXPECT_TRUE(eq("\\{1,2,3\\}", "\\{3,2,1\\}"));
  EXPECT_TRUE(eq("1, 2, 3", "3, 1, 2"));          // lists compare as sets
  EXPECT_FALSE(eq("\\{1,2,3\\}", "\\{1,2\\}"));
  EXPECT_TRUE(eq("(1,2,3)", "(1,2,3)"));
  EXPECT_FALSE(eq("(1,2,3)", "(3,2,1)"));          // tuples are ordered
  EXPECT_TRUE(eq("[0,1)", "[0, 1)"));
  EXPECT_FALSE(eq("[0,1)", "[0,1]"));
  EXPECT_FALSE(eq("(0,9)", "[0,9)"));
  EXPECT_TRUE(eq("(1, \\frac{9}{2})", "(1, 4.5)"));
  EXPECT_TRUE(eq("(1,3)", "\\{1,3\\}"));            // a pair against the same elements in order
  EXPECT_FALSE(eq("(3,1)", "\\{1,3\\}"));
  EXPECT_TRUE(eq("x \\in [1, 2]", "[1,2]"));
  EXPECT_TRUE(eq("(-\\infty, 1) \\cup (2, \\infty)", "(2, \\infty) \\cup (-\\infty, 1)"));
  EXPECT_TRUE(eq("-793 < a < 10", "(-793, 10)"));  // a gold inequality read as an interval
  EXPECT_TRUE(eq("3 \\pm 2\\sqrt{2}", "3 + 2\\sqrt{2}, 3 - 2\\sqrt{2}"));
  EXPECT_FALSE(eq("\\pm 2021", "2021"));
  EXPECT_TRUE(eq("\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}", "\\begin{bmatrix}1 & 2 \\\\ 3 & 4\\end{bmatrix}"));
  EXPECT_FALSE(eq("\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}", "\\begin{pmatrix}1 & 2 \\\\ 3 & 5\\end{pmatrix}"));
  EXPECT_TRUE(eq("\\begin{pmatrix}6 & 8\\\\10 & 12\\end{pmatrix}",
                 "\\begin{pmatrix}1 & 2\\\\3 & 4\\end{pmatrix}+\\begin{pmatrix}5 & 6\\\\7 & 8\\end{pmatrix}"));
  EXPECT_FALSE(eq("\\begin{pmatrix}1 \\\\ 2\\end{pmatrix}", "\\begin{pmatrix}1 & 2\\end{pmatrix}"));
}

TEST(MathEquivalence, TextAnswersAndChoices) {
  EXPECT_TRUE(eq("\\text{Evelyn}", "\\text{Evelyn}"));
  EXPECT_TRUE(eq("\\text{Even}", "Even"));
  EXPECT_FALSE(eq("\\text{even}", "\\text{odd}"));
  EXPECT_TRUE(m::verify("B", "The answer is (B).").correct);
  EXPECT_FALSE(m::verify("B", "The answer is (C).").correct);
}

TEST(MathVerify, ResultReportsExtractionAndReason) {
  m::VerifyResult r = m::verify("#### 72", "<think>48/2 = 24, 48 + 24 = 72</think>Natalia sold \\boxed{72} clips.");
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.gold, "72");
  EXPECT_EQ(r.gold_rule, m::ExtractionRule::Gsm8k);
  EXPECT_EQ(r.pred, "72");
  EXPECT_EQ(r.pred_rule, m::ExtractionRule::Boxed);
  EXPECT_EQ(r.reason, "equivalent");
  m::VerifyResult none = m::verify("72", "<think>I'm not sure</think>I cannot solve it.");
  EXPECT_FALSE(none.correct);
  EXPECT_EQ(none.reason, "no answer found in response");
  m::VerifyResult wrong = m::verify("72", "\\boxed{71}");
  EXPECT_FALSE(wrong.correct);
  EXPECT_EQ(wrong.reason, "not equivalent");
  m::VerifyOptions tight;
  tight.precision = 2;
  EXPECT_TRUE(m::verify("\\frac{1}{3}", "\\boxed{0.33}", tight).correct);
  m::VerifyOptions loose;
  loose.strict = false;
  EXPECT_TRUE(m::verify("f(x)", "$f(y)$", loose).correct);
  EXPECT_FALSE(m::verify("f(x)", "$f(y)$").correct);
}

// RL rewards are computed from worker threads: concurrent calls give the sequential verdicts.
TEST(MathVerify, ConcurrentCallsAgreeWithSequential) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"\\frac{1}{2}", "\\boxed{0.5}"},        {"x^2+2x+1", "$(x+1)^2$"}, {"[0,1)", "$[0,1]$"},
      {"\\tan^2(y)+1", "$\\sec^2(y)$"},      {"#### 72", "The answer is 71."},  {"\\{1,2\\}", "\\boxed{2,1}"}};
  std::vector<bool> sequential;
  for (const auto& [g, p] : pairs) sequential.push_back(m::verify(g, p).correct);
  std::vector<std::thread> workers;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round)
        for (size_t k = 0; k < pairs.size(); ++k)
          mismatches[t] += m::verify(pairs[k].first, pairs[k].second).correct != sequential[k];
    });
  for (auto& w : workers) w.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}
