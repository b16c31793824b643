// The verifier on each kind of answer its reference graders (Math-Verify, lighteval's
// ExtractiveMatch, Qwen2.5-Math's grader) handle by rule, with cases written here from those rules
// -- right answers, and the near misses that must fail: the wrong precision, the wrong letter, a
// set missing an element, a fragment of an answer.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "rewards/math/match_settings.h"
#include "rewards/math/verify.h"

namespace m = r1::rewards::math;

namespace {

// verify() with lighteval-style settings given as JSON ({"precision": 4, "language": "fr", ...}).
m::VerifyResult check(const std::string& gold, const std::string& pred, const std::string& settings = "{}") {
  auto s = m::match_settings_from_json(nlohmann::json::parse(settings), {}, "test");
  return m::verify(gold, pred, m::verify_options(s));
}
bool ok(const std::string& gold, const std::string& pred, const std::string& settings = "{}") {
  return check(gold, pred, settings).correct;
}

}  // namespace

// Math-Verify / lighteval: a decimal on either side is compared after rounding both to
// `precision` places. A prediction showing fewer places than that matches only when the exact
// value has no more (0.5 for 1/2): precision is never a way to get a rough answer accepted.
TEST(MathKinds, NumbersAtThePrecisionAsked) {
  EXPECT_TRUE(ok("\\frac{2}{3}", "0.6667", R"({"precision": 4})"));
  EXPECT_FALSE(ok("\\frac{2}{3}", "0.667", R"({"precision": 4})"));    // too few places for the rule
  EXPECT_FALSE(ok("\\frac{2}{3}", "0.6666", R"({"precision": 4})"));   // truncated, not rounded
  EXPECT_FALSE(ok("\\frac{2}{3}", "0.6667"));                         // default: 6 places
  EXPECT_TRUE(ok("\\frac{2}{3}", "0.666667"));
  EXPECT_TRUE(ok("\\frac{2}{3}", "0.66666691"));                      // more places: rounded to 6
  EXPECT_FALSE(ok("\\frac{1}{3}", "0.3"));                            // the floor
  EXPECT_TRUE(ok("\\frac{1}{2}", "0.5"));                             // exact in fewer places
  EXPECT_TRUE(ok("-\\frac{1}{3}", "-0.3333", R"({"precision": 4})"));  // a negative decimal is one number
  EXPECT_FALSE(ok("-\\frac{1}{3}", "-0.333", R"({"precision": 4})"));
  // An expression against a rounded decimal: 2 + 1/7 = 2.142857...
  EXPECT_TRUE(ok("2 + \\frac{1}{7}", "2.1429", R"({"precision": 4})"));
  EXPECT_FALSE(ok("2 + \\frac{1}{7}", "2.143", R"({"precision": 4})"));
  EXPECT_TRUE(ok("2 + \\frac{1}{7}", "2.143", R"({"precision": 3})"));
  // Intervals compare endpoint by endpoint, each at the precision.
  EXPECT_TRUE(ok("(\\frac{1}{3}, \\frac{5}{3}]", "$(0.333, 1.667]$", R"({"precision": 3})"));
  EXPECT_FALSE(ok("(\\frac{1}{3}, \\frac{5}{3}]", "$(0.333, 1.666]$", R"({"precision": 3})"));
  EXPECT_FALSE(ok("(\\frac{1}{3}, \\frac{5}{3}]", "$[0.333, 1.667]$", R"({"precision": 3})"));
  EXPECT_TRUE(ok("12.5\\%", "The rate is $\\frac{1}{8}$"));
}

// Qwen2.5-Math reads everything after "the answer is" as the answer: a whole formula is taken
// whole, never just its last number or fraction.
TEST(MathKinds, BareFormulaAfterTheAnswerPhrase) {
  EXPECT_TRUE(ok("3\\sqrt{2} + 2\\sqrt{3}", "So the answer is 2\\sqrt{3} + 3\\sqrt{2}."));
  EXPECT_FALSE(ok("3\\sqrt{2} + 2\\sqrt{3}", "So the answer is 2\\sqrt{3} + 2\\sqrt{2}."));
  EXPECT_TRUE(ok("x^2 + x - 2", "The answer is (x-1)(x+2)."));
  EXPECT_TRUE(ok("\\frac{5}{2}i", "The answer is \\frac52i"));
  EXPECT_TRUE(ok("\\frac{7}{9}", "Thus the answer is \\dfrac{2}{3} + \\frac{1}{9}."));
  EXPECT_FALSE(ok("\\frac{1}{9}", "Thus the answer is \\dfrac{2}{3} + \\frac{1}{9}."));  // not its last fraction
  // Words after the number: a sentence, so Math-Verify's rule (the first number after "answer").
  EXPECT_TRUE(ok("12", "The answer is 12 because 3 times 4 is 12, then 15 more."));
}

TEST(MathKinds, CurrencyAndUnits) {
  EXPECT_TRUE(ok("25", "The answer is \\$25."));
  EXPECT_TRUE(ok("1250", "She pays $\\boxed{\\$1,250}$ in total."));
  EXPECT_TRUE(ok("30", "It costs €30"));
  EXPECT_TRUE(ok("7", "The final answer is 7 meters"));
  EXPECT_TRUE(ok("45", "The answer is 45 \\text{ minutes}."));
  EXPECT_TRUE(ok("16", "$\\boxed{16 \\text{ apples}}$"));
  EXPECT_FALSE(ok("16", "$\\boxed{15 \\text{ apples}}$"));
  EXPECT_TRUE(ok("90", "$\\boxed{90^\\circ}$"));
}

// A comma between digits is a decimal comma unless three digits follow (a thousands separator).
TEST(MathKinds, DecimalCommas) {
  EXPECT_TRUE(ok("3.75", "Le résultat est 3,75", R"({"language": "fr"})"));
  EXPECT_TRUE(ok("1250", "in total 1,250 marbles"));
  EXPECT_FALSE(ok("1.25", "in total 1,250 marbles"));
  EXPECT_TRUE(ok("0.5", "about 0,5 of it"));
  EXPECT_FALSE(ok("25", "it is 2,5"));
}

// lighteval's per-language anchors: the language's answer word, punctuation and spacing.
TEST(MathKinds, OtherLanguages) {
  EXPECT_TRUE(ok("42", "La réponse est 42 et non 24.", R"({"language": "fr"})"));
  EXPECT_FALSE(ok("24", "La réponse est 42 et non 24.", R"({"language": "fr"})"));
  EXPECT_TRUE(ok("15", "答案是 15。", R"({"language": "zh"})"));
  // The answer word anchors, not the last number: "答案：12，一共用了3天".
  EXPECT_TRUE(ok("12", "答案：12，一共用了3天", R"({"language": "zh"})"));
  // No spaces around numbers in Chinese: the last number of the response is still found.
  EXPECT_TRUE(ok("27", "每盒有9个，三盒一共有27个苹果。", R"({"language": "zh"})"));
  EXPECT_TRUE(ok("7", "Die Antwort ist 7 Äpfel, nicht 9.", R"({"language": "de"})"));
  EXPECT_FALSE(ok("9", "Die Antwort ist 7 Äpfel, nicht 9.", R"({"language": "de"})"));
  EXPECT_TRUE(ok("0.75", "La respuesta es 3/4", R"({"language": "es"})"));
  EXPECT_THROW(check("1", "1", R"({"language": "klingon"})"), r1::Error);
}

TEST(MathKinds, MultipleChoiceLetters) {
  const std::string letters = R"({"targets": ["letters"]})";
  EXPECT_TRUE(ok("(B) Marie", "B", letters));
  EXPECT_TRUE(ok("C Curie", "The correct option is C.", letters));
  EXPECT_FALSE(ok("(A) 4", "B", letters));                                   // the wrong letter
  EXPECT_FALSE(ok("(A) 4", "The answer is (B), not (A).", letters));
  EXPECT_TRUE(ok("B", "La réponse est B, pas A", R"({"targets": ["letters"], "language": "fr"})"));
  EXPECT_TRUE(ok("C", "答案是C，不是A", R"({"targets": ["letters"], "language": "zh"})"));
  EXPECT_TRUE(ok("D", "It could be A or B at first sight, but it is D", letters));
  // Native letters: Russian options are А Б В Г.
  EXPECT_TRUE(ok("Б", "Ответ: Б", R"({"targets": ["letters"], "language": "ru"})"));
  EXPECT_FALSE(ok("В", "Ответ: Б", R"({"targets": ["letters"], "language": "ru"})"));
  // In LaTeX, \text{(D)} and \text{D} are the same label (latex2sympy2 drops the parentheses).
  EXPECT_TRUE(ok("\\text{(D)}", "$\\text{D}$"));
  EXPECT_FALSE(ok("\\text{(D)}", "$\\text{C}$"));
  EXPECT_TRUE(ok("B", "Final: $\\boxed{B}$", R"({"targets": ["letters", "latex"]})"));
  // A bare letter gold is a choice key even without letter targets.
  EXPECT_TRUE(ok("B", "The answer is (B)."));
  EXPECT_FALSE(ok("B", "The answer is (C)."));
}

// Math-Verify joins boxes close together (or separated by "and", ",", "or") into one set answer.
TEST(MathKinds, SeveralBoxesFormOneSet) {
  EXPECT_TRUE(ok("\\{2, 5\\}", "The roots are \\boxed{2} and \\boxed{5}."));
  EXPECT_TRUE(ok("2, 5", "\\boxed{5}, \\boxed{2}"));
  EXPECT_TRUE(ok("\\boxed{2} \\text{ and } \\boxed{5}", "$\\boxed{\\{2, 5\\}}$"));
  EXPECT_FALSE(ok("\\{2, 5, 7\\}", "The roots are \\boxed{2} and \\boxed{5}."));  // an element missing
  EXPECT_FALSE(ok("5", "The roots are \\boxed{2} and \\boxed{5}."));  // a set is not one of its elements
  EXPECT_FALSE(ok("\\{2, 5\\}", "\\boxed{5}"));
  // Boxes far apart are a correction, not a set: the last one counts.
  const std::string corrected = "First I got \\boxed{2}. Checking the discriminant again shows that was wrong, "
                                "and the only root is \\boxed{5}.";
  EXPECT_TRUE(ok("5", corrected));
  EXPECT_FALSE(ok("\\{2, 5\\}", corrected));
}

// The verifier never guesses: an answer that does not parse or is too large is never replaced by
// a number from inside it.
TEST(MathKinds, NeverAFragment) {
  auto r = check("2^{10000}", "\\boxed{2}");
  EXPECT_FALSE(r.correct);
  EXPECT_EQ(r.verdict, m::Verdict::NotEquivalent);
  EXPECT_TRUE(ok("2^{10000}", "\\boxed{2^{10000}}"));
  EXPECT_TRUE(ok("2^{10000}", "\\boxed{4^{5000}}"));   // exact: 4^5000 = 2^10000
  EXPECT_FALSE(ok("1000!", "\\boxed{1000}"));
  EXPECT_TRUE(ok("1000!", "\\boxed{1000 \\cdot 999!}"));
  // Too large to compute: equal only to itself, "too large" against anything else.
  r = check("7^{10^{8}}", "\\boxed{7}");
  EXPECT_FALSE(r.correct);
  EXPECT_EQ(r.verdict, m::Verdict::TooLarge) << r.reason;
  EXPECT_TRUE(ok("7^{10^{8}}", "\\boxed{7^{10^{8}}}"));
  r = check("9^{9^{9}}", "\\boxed{9}");
  EXPECT_EQ(r.verdict, m::Verdict::TooLarge) << r.reason;
  // An unparsable gold cannot be graded: no reward, not "wrong", and never its inner number.
  r = check("\\unknownmacro{3}", "\\boxed{3}");
  EXPECT_FALSE(r.correct);
  EXPECT_FALSE(r.gold_found);
  EXPECT_EQ(r.verdict, m::Verdict::GoldUnparsable) << r.reason;
  // An unparsable prediction is not equal to the number inside it.
  r = check("3", "\\boxed{\\unknownmacro{3}}");
  EXPECT_FALSE(r.correct);
  EXPECT_EQ(r.verdict, m::Verdict::Unparsable) << r.reason;
  // Nested fractions read whole: 1/(1+1/(1+...)) ten deep is F(11)/F(12) = 89/144, not the innermost 1/1.
  std::string cf = "1";
  for (int k = 0; k < 10; ++k) cf = "\\frac{1}{1+" + cf + "}";
  EXPECT_TRUE(ok("\\frac{89}{144}", "$" + cf + "$"));
  EXPECT_FALSE(ok("\\frac{1}{2}", "$" + cf + "$"));
}

TEST(MathKinds, InvalidUtf8IsGradedNotFatal) {
  std::string cut = "The answer is \\boxed{5}. \xe4\xb8";  // a character cut in half at the end
  EXPECT_TRUE(ok("5", cut));
  EXPECT_TRUE(ok("5", "\xff\xfe answer: 5"));
}
