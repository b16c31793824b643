#include "rewards/weighted_reward.h"

namespace r1::rewards {

double weighted_reward(const RewardTerms& t, const RewardWeights& w) {
  return w.accuracy * t.accuracy + w.format * t.format + w.language * t.language;
}

}  // namespace r1::rewards
