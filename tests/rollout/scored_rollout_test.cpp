// The one rollout path: what a scored sample holds (the forced prefix scored with the decoded text,
// the EOS cut from the text but counted in response_tokens), its grouping, and randomness that
// belongs to the sample — the same whatever batch or call it is generated in.
#include "rollout/scored_rollout.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/rule_task.h"
#include "core/error.h"
#include "common/tiny_model.h"

namespace r1::rollout {
namespace {

constexpr int32_t kVocab = 12;

std::string digits(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += id < 10 ? static_cast<char>('0' + id) : '?';
  return s;
}

// Correct when the response holds a "3" (token 3 decodes to "3").
const test::RuleTask kEcho("echo", [](std::string_view r) { return r.find('3') != std::string_view::npos; });

// Three prompts with global indices 100..102.
std::vector<RolloutPrompt> prompts(const std::string& prefix) {
  std::vector<RolloutPrompt> out;
  for (uint64_t i = 0; i < 3; ++i) out.push_back({{1, 2, static_cast<int32_t>(4 + i)}, prefix, {"echo", "q", ""}, &kEcho, 100 + i});
  return out;
}

RolloutConfig config(int64_t max_new_tokens, uint64_t seed, int64_t samples) {
  RolloutConfig cfg;
  cfg.sampling.max_new_tokens = max_new_tokens;
  cfg.sampling.seed = seed;
  cfg.samples_per_prompt = samples;
  return cfg;
}

TEST(ScoredRollout, SampleHoldsPrefixPlusTextAndCountsTheEos) {
  auto m = test::tiny_qwen2(kVocab, 64, 3);
  RolloutConfig cfg = config(6, 7, 4);
  cfg.eos_id = 11;
  auto samples = rollout_and_score(*m, prompts("P:"), digits, cfg);
  ASSERT_EQ(samples.size(), 12u);
  int stopped = 0;
  for (size_t r = 0; r < samples.size(); ++r) {
    const auto& s = samples[r];
    EXPECT_EQ(s.prompt, static_cast<int64_t>(r / 4));
    EXPECT_EQ(s.sample, static_cast<int64_t>(r % 4));
    ASSERT_FALSE(s.tokens.empty());
    EXPECT_EQ(s.stopped, s.tokens.back() == 11);
    stopped += s.stopped;
    // The text is the prefix and the sampled tokens without the EOS; the length counts the EOS.
    std::vector<int32_t> text(s.tokens.begin(), s.tokens.end() - (s.stopped ? 1 : 0));
    EXPECT_EQ(s.response, "P:" + digits(text));
    EXPECT_EQ(s.response_tokens(), static_cast<int64_t>(s.tokens.size()));
    EXPECT_LE(s.response_tokens(), 6);
    EXPECT_EQ(s.score.correct, s.response.find('3') != std::string::npos);
    EXPECT_EQ(s.logprobs.size(), s.tokens.size());
  }
  // A random 12-token policy stops on the EOS sometimes and runs to the budget sometimes.
  EXPECT_GT(stopped, 0);
  EXPECT_LT(stopped, 12);
}

TEST(ScoredRollout, RandomnessBelongsToTheSample) {
  auto m = test::tiny_qwen2(kVocab, 64, 4);
  RolloutConfig cfg = config(5, 9, 3);
  cfg.stream = "test";
  auto all = rollout_and_score(*m, prompts(""), digits, cfg);
  cfg.prompts_per_call = 1;  // one prompt per generate() call
  auto one_by_one = rollout_and_score(*m, prompts(""), digits, cfg);
  auto last_alone = rollout_and_score(*m, {prompts("")[2]}, digits, cfg);  // its global index 102
  for (size_t r = 0; r < all.size(); ++r) EXPECT_EQ(all[r].tokens, one_by_one[r].tokens) << r;
  for (size_t j = 0; j < 3; ++j) EXPECT_EQ(last_alone[j].tokens, all[6 + j].tokens) << j;
  // Another stream or run seed draws other samples.
  cfg.stream = "other";
  auto other = rollout_and_score(*m, prompts(""), digits, cfg);
  int same = 0;
  for (size_t r = 0; r < all.size(); ++r) same += other[r].tokens == all[r].tokens;
  EXPECT_LT(same, 9);
}

// The model's context bounds generation: a budget past it is capped at what the longest prompt
// leaves (a model that never emits EOS cannot run past its positions), and a prompt that fills the
// context is an error naming it — before any generation.
TEST(ScoredRollout, GenerationStaysInsideTheModelsContext) {
  auto m = test::tiny_qwen2(kVocab, /*max_positions=*/8, 3);
  RolloutConfig cfg = config(/*max_new_tokens=*/32768, 7, 2);  // no EOS: every sample runs to its budget
  auto samples = rollout_and_score(*m, prompts(""), digits, cfg);  // prompts of 3 tokens
  ASSERT_EQ(samples.size(), 6u);
  for (const auto& s : samples) EXPECT_EQ(s.response_tokens(), 8 - 3);

  std::vector<RolloutPrompt> too_long = prompts("");
  too_long[1].ids.assign(8, 1);
  too_long[1].problem.data["id"] = "p-long";
  try {
    rollout_and_score(*m, too_long, digits, cfg);
    FAIL() << "a prompt as long as the context was generated from";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("problem p-long"), std::string::npos) << what;
    EXPECT_NE(what.find("8 tokens"), std::string::npos) << what;
    EXPECT_NE(what.find("is 8"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace r1::rollout
