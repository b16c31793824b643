// Rejection-sampling filters on hand-made samples: each drop reason, its precedence, the
// repetition measure on hand-counted n-grams, whitespace-normalised dedup and the statistics.
#include "rl/rejection_sampling.h"

#include <gtest/gtest.h>

namespace r1::rl {
namespace {

TEST(RejectionSampling, RepeatedNgramRatioByHand) {
  // 8 units, 5 four-grams: abcd bcda cdab dabc abcd -> 4 distinct
  EXPECT_DOUBLE_EQ(repeated_ngram_ratio("a b c d a b c d", 4), 1.0 - 4.0 / 5.0);
  // 6 units, 5 bigrams, all "x x"
  EXPECT_DOUBLE_EQ(repeated_ngram_ratio("x x\nx  x x x", 2), 1.0 - 1.0 / 5.0);
  EXPECT_DOUBLE_EQ(repeated_ngram_ratio("a b c", 4), 0.0);
  EXPECT_DOUBLE_EQ(repeated_ngram_ratio("the quick brown fox jumps over the lazy dog", 2), 0.0);
  // CJK characters are units of their own: 我 我 我 我 -> 3 bigrams, 1 distinct
  EXPECT_DOUBLE_EQ(repeated_ngram_ratio("我我我我", 2), 1.0 - 1.0 / 3.0);
}

TEST(RejectionSampling, NormalizeWhitespace) {
  EXPECT_EQ(normalize_whitespace("  a \n\t b  c \n"), "a b c");
  EXPECT_EQ(normalize_whitespace("\u3000中文\u3000 字"), "中文 字");
}

TEST(RejectionSampling, EachFilterAndStatistics) {
  const std::string good = "<think>3+5=8, 8+2=10, 10+7=17, so the sum mod 10 is 7.</think><answer>7</answer>";
  std::string loop = "<think>";
  for (int i = 0; i < 10; ++i) loop += "add the next term ";
  loop += "</think><answer>7</answer>";
  std::vector<Candidate> c = {
      {"p1", good, true, 30},                                                             // kept
      {"p1", "<think>wrong</think><answer>3</answer>", false, 10},                        // incorrect
      {"p1", good, true, 500},                                                            // overlong (tokens)
      {"p1", "<think>首先 we compute 和，然后 check it.</think><answer>7</answer>", true, 20}, // mixed: en 4/9
      {"p1", loop, true, 50},                                                             // repetitive
      {"p1", "  " + good + "\n", true, 30},                                               // duplicate
      {"p2", good, true, 30},                                                             // kept: other prompt
      {"p2", "<think>we add 3 and 5, then 2 and 7; the sum is 17.</think><answer>7</answer>", true, 30},  // quota
      {"p3", "<think>nope</think><answer>1</answer>", false, 5},                          // incorrect
      {"p1", std::string(300, 'a'), true, -1},                                            // overlong (chars)
  };
  RejectionConfig cfg;
  cfg.max_tokens = 100;
  cfg.max_chars = 250;
  cfg.max_per_prompt = 1;
  RejectionStats st;
  auto r = rejection_filter(c, cfg, &st);
  std::vector<DropReason> expect = {DropReason::kKept,       DropReason::kIncorrect,     DropReason::kOverlong,
                                    DropReason::kMixedLanguage, DropReason::kRepetitive, DropReason::kDuplicate,
                                    DropReason::kKept,       DropReason::kOverQuota,     DropReason::kIncorrect,
                                    DropReason::kOverlong};
  ASSERT_EQ(r.size(), expect.size());
  for (size_t i = 0; i < r.size(); ++i) EXPECT_EQ(drop_reason_name(r[i]), std::string(drop_reason_name(expect[i]))) << i;
  EXPECT_EQ(st.total, 10);
  EXPECT_EQ(st.kept, 2);
  EXPECT_EQ(st.incorrect, 2);
  EXPECT_EQ(st.overlong, 2);
  EXPECT_EQ(st.mixed_language, 1);
  EXPECT_EQ(st.repetitive, 1);
  EXPECT_EQ(st.duplicate, 1);
  EXPECT_EQ(st.over_quota, 1);
  EXPECT_EQ(st.prompts, 3);
  EXPECT_EQ(st.prompts_with_kept, 2);
  EXPECT_DOUBLE_EQ(st.to_json()["keep_rate"].get<double>(), 0.2);

  // Switched off, the same candidates pass every check but correctness.
  RejectionConfig off;
  off.min_language = -1;
  off.max_repeat_ratio = 1;
  off.dedup = false;
  r = rejection_filter(c, off, &st);
  EXPECT_EQ(st.kept, 8);
  EXPECT_EQ(st.incorrect, 2);
  // A CoT of equations only has no words, hence no language to mix: kept (its language *reward*
  // is 0, rewards/language.h, but the filter drops mixing, not silence).
  EXPECT_EQ(rejection_filter({{"p9", "<think>3+5=8, 8+2=0</think><answer>0</answer>", true, 10}}, cfg)[0], DropReason::kKept);
  // A Chinese target language keeps the Chinese-leaning CoT only when it is Chinese enough.
  RejectionConfig zh;
  zh.language = "zh";
  zh.min_language = 0.5;  // 5/9 Han words
  r = rejection_filter({c[3]}, zh);
  EXPECT_EQ(r[0], DropReason::kKept);
}

}  // namespace
}  // namespace r1::rl
