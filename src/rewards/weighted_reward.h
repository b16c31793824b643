// The scalar reward RL optimises: a weighted sum of rule-based terms — R1-Zero's accuracy + format,
// plus R1's language-consistency reward in reasoning RL (R1_SPEC §1). Torch-free.
#pragma once

namespace r1::rewards {

// Each term of one response, in [0, 1].
struct RewardTerms {
  double accuracy = 0;  // the task's reward (1/0 when verified; a learned reward's graded value)
  double format = 0;    // 1 when well formed in the task's format
  double language = 0;  // the chain of thought's share of target-language words (language.h)
};

struct RewardWeights {
  double accuracy = 1.0;
  double format = 0.2;
  double language = 0.0;  // 0 = off (R1-Zero); R1's reasoning RL turns it on
};

// w.accuracy * t.accuracy + w.format * t.format + w.language * t.language
double weighted_reward(const RewardTerms& t, const RewardWeights& w);

}  // namespace r1::rewards
