// Language-consistency reward on hand-counted English, Chinese, mixed and code/math-heavy text.
#include "rewards/language.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace r1::rewards {
namespace {

TEST(LanguageConsistency, PureEnglish) {
  // The, answer, is (42 is not a word)
  EXPECT_EQ(count_words("The answer is 42.").latin, 3);
  EXPECT_DOUBLE_EQ(language_consistency("The answer is 42.", "en"), 1.0);
  EXPECT_DOUBLE_EQ(language_consistency("The answer is 42.", "zh"), 0.0);
  // lone "A" and "I" are words, lone other letters are variables
  EXPECT_EQ(count_words("A cat and I saw x").latin, 5);
  // apostrophes and hyphens inside a word join it
  EXPECT_EQ(count_words("don't stop the well-known process").latin, 5);
}

TEST(LanguageConsistency, PureChinese) {
  auto w = count_words("这是一个测试。");  // 这 是 一 个 测 试
  EXPECT_EQ(w.han, 6);
  EXPECT_EQ(w.total(), 6);
  EXPECT_DOUBLE_EQ(language_consistency("这是一个测试。", "zh"), 1.0);
  // 我 们 先 计 算 的 值; x and y are variables
  EXPECT_EQ(count_words("我们先计算 x+y 的值。").total(), 7);
  EXPECT_DOUBLE_EQ(language_consistency("我们先计算 x+y 的值。", "zh"), 1.0);
}

TEST(LanguageConsistency, MixedEnglishChinese) {
  // Han: 首 先 和 然 后 = 5; Latin: we compute check it = 4
  const char* s = "首先 we compute 和，然后 check it.";
  auto w = count_words(s);
  EXPECT_EQ(w.han, 5);
  EXPECT_EQ(w.latin, 4);
  EXPECT_DOUBLE_EQ(language_consistency(s, "en"), 4.0 / 9.0);
  EXPECT_DOUBLE_EQ(language_consistency(s, "zh"), 5.0 / 9.0);
  // A CoT that drifts into Chinese midway, scored on the think block only:
  // Latin: We need the sum mod so the result is mod = 10; Han: 首 先 然 后 = 4
  const char* r =
      "<think>We need the sum 3+5+2+7 mod 10. 首先 3+5=8，然后 8+2=10, so the result is 7 mod 10.</think>"
      "<answer>7 is the answer</answer>";
  EXPECT_DOUBLE_EQ(cot_language_reward(r, "en"), 10.0 / 14.0);
  EXPECT_DOUBLE_EQ(cot_language_reward(r, "zh"), 4.0 / 14.0);
  // Japanese kana count per character and are neither English nor Chinese: これは です = 5, test = 1
  EXPECT_DOUBLE_EQ(language_consistency("これは test です", "en"), 1.0 / 6.0);
  EXPECT_DOUBLE_EQ(language_consistency("これは test です", "zh"), 0.0);
  EXPECT_EQ(count_words("привет мир").cyrillic, 2);
}

TEST(LanguageConsistency, CodeAndMathAreNotLanguage) {
  // Counted: Use then call on and or gives (7); code blocks, inline code, LaTeX and 3x/x2 are not.
  const char* s =
      "Use ```python\nfor i in range(10):\n    print(i)\n``` then call `max_len` on $x^2 + \\frac{a}{b}$ and 3x or x2 "
      "gives 12.";
  auto w = count_words(s);
  EXPECT_EQ(w.latin, 7);
  EXPECT_EQ(w.total(), 7);
  EXPECT_DOUBLE_EQ(language_consistency(s, "en"), 1.0);
  // 设 则 等 于; "2x" is math
  EXPECT_EQ(count_words("设 $x=3$，则 2x+1 等于 7。").total(), 4);
  EXPECT_DOUBLE_EQ(language_consistency("设 $x=3$，则 2x+1 等于 7。", "zh"), 1.0);
  EXPECT_EQ(count_words("\\[ \\sum_{i=1}^n i \\] so \\( n \\) grows").latin, 2);  // so, grows
  // No words at all: nothing in the target language (NoWordsIsNoReward below).
  EXPECT_EQ(count_words("12 + 7 = 19").total(), 0);
}

TEST(LanguageConsistency, UnknownLanguageIsAnError) { EXPECT_THROW(language_consistency("hi", "fr"), Error); }

}  // namespace
}  // namespace r1::rewards

namespace r1::rewards {
namespace {

TEST(LanguageConsistency, NoWordsIsNoReward) {
  // An empty or digits-only chain of thought has nothing in the target language.
  EXPECT_DOUBLE_EQ(language_consistency("", "en"), 0.0);
  EXPECT_DOUBLE_EQ(language_consistency("3+5=8, 8+2=10", "en"), 0.0);
  EXPECT_DOUBLE_EQ(cot_language_reward("<think></think><answer>7</answer>", "en"), 0.0);
  EXPECT_DOUBLE_EQ(cot_language_reward("<think>3+5=8 8+2=0</think><answer>0</answer>", "zh"), 0.0);
  EXPECT_DOUBLE_EQ(cot_language_reward("<think>add them: 3+5=8</think><answer>8</answer>", "en"), 1.0);
  // An unknown language is an error even for a text without words.
  EXPECT_THROW(language_consistency("", "fr"), Error);
}

TEST(LanguageConsistency, AStrayDelimiterHidesNothing) {
  // A lone '$' (a price) is text, not the start of math that runs to the end.
  EXPECT_EQ(count_words("It costs $5 and then we add the tax").latin, 8);
  // pandoc's rule: "$20,000 and $30,000" is not math (the second '$' follows a space).
  EXPECT_EQ(count_words("between $20,000 and $30,000 dollars").latin, 3);
  // Math still is: $x$ and $x + y$ are skipped, "$ x$" is not math (a space after the opener).
  EXPECT_EQ(count_words("so $x + y$ is big").latin, 3);
  EXPECT_EQ(count_words("so $ x$ is").latin, 2);  // so, is (x is a variable)
  // Math does not run past a blank line.
  EXPECT_EQ(count_words("cost $5\n\nthen we stop$").latin, 4);
  // Unclosed inline code, $$, \( and \[ are literal; an unclosed code fence runs to the end.
  EXPECT_EQ(count_words("use `x and then stop").latin, 4);   // use and then stop
  EXPECT_EQ(count_words("so $$ we stop").latin, 3);
  EXPECT_EQ(count_words("so \\( we stop").latin, 3);
  EXPECT_EQ(count_words("we write ```python\nfor i in range").latin, 2);  // we write
  // The chain of thought of an unclosed think block is scored on its own words.
  EXPECT_DOUBLE_EQ(cot_language_reward("<think>we pay $5 then 首先", "en"), 3.0 / 5.0);
}

}  // namespace
}  // namespace r1::rewards
