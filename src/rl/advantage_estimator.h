// The advantage estimators of the GRPO family: one scalar advantage per sample from the rewards of
// its group (outcome rewards, no critic). `rl.advantage` picks one:
//   grpo                   (r - mean_g) / (std_g + eps), std the sample (Bessel) std as TRL
//                          (DeepSeekMath 2402.03300); TRL scale_rewards="group", verl "grpo"
//   grpo_no_std            r - mean_g (Dr. GRPO 2503.20783); TRL scale_rewards="none",
//                          verl norm_adv_by_std_in_grpo=False
//   rloo                   r - mean of the *other* G-1 samples = G/(G-1) (r - mean_g)
//                          (RLOO, Ahmadian et al. 2402.14740); verl/OpenRLHF "rloo"
//   reinforce_pp_baseline  r - mean_g, then whitened over the whole batch's completion tokens
//                          (REINFORCE++ 2501.03262, the group-baseline form); verl
//                          "reinforce_plus_plus_baseline", OpenRLHF "reinforce_baseline"
#pragma once
#include <ATen/ATen.h>

#include <functional>
#include <string>
#include <vector>

namespace r1::rl {

enum class AdvantageEstimator { kGrpo, kGrpoNoStd, kRloo, kReinforcePPBaseline };
AdvantageEstimator parse_advantage_estimator(const std::string& name);  // errors name the value

// rewards [N*G] grouped by prompt -> advantages [N*G] (fp32).
// token_counts [N*G] (optional): each sample's completion tokens, the weights of the batch
// whitening of reinforce_pp_baseline (verl's masked_whiten over response tokens: a sample counts
// once per token); a 0 leaves the sample out of the statistics (a dropped group). Undefined = 1 each.
// batch_sum (optional): sums a few statistics over the whole batch when `rewards` is one rank's share
// of it (data parallel: an all-reduce), so the whitening is the global batch's; groups are whole on
// each rank, so the group estimators need nothing else. Empty = this is the whole batch.
using BatchSum = std::function<std::vector<double>(const std::vector<double>&)>;
at::Tensor estimate_advantages(const at::Tensor& rewards, int64_t group_size, AdvantageEstimator estimator,
                               const at::Tensor& token_counts = {}, double eps = 1e-4, const BatchSum& batch_sum = {});

}  // namespace r1::rl
