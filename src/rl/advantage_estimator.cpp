#include "rl/advantage_estimator.h"

#include <cmath>

#include "core/error.h"
#include "rl/grpo_loss.h"

namespace r1::rl {

AdvantageEstimator parse_advantage_estimator(const std::string& name) {
  if (name == "grpo") return AdvantageEstimator::kGrpo;
  if (name == "grpo_no_std") return AdvantageEstimator::kGrpoNoStd;
  if (name == "rloo") return AdvantageEstimator::kRloo;
  if (name == "reinforce_pp_baseline") return AdvantageEstimator::kReinforcePPBaseline;
  throw Error("config key rl.advantage",
              "unknown value '" + name + "' (known: grpo, grpo_no_std, rloo, reinforce_pp_baseline)");
}

at::Tensor estimate_advantages(const at::Tensor& rewards, int64_t G, AdvantageEstimator estimator,
                               const at::Tensor& token_counts, double eps, const BatchSum& batch_sum) {
  switch (estimator) {
    case AdvantageEstimator::kGrpo:
      return group_advantages(rewards, G, /*scale_by_std=*/true, eps);
    case AdvantageEstimator::kGrpoNoStd:
      return group_advantages(rewards, G, /*scale_by_std=*/false, eps);
    case AdvantageEstimator::kRloo:
      // r_i - (sum_g - r_i) / (G - 1) = G/(G-1) (r_i - mean_g)
      return group_advantages(rewards, G, false, eps) * (static_cast<double>(G) / (G - 1));
    case AdvantageEstimator::kReinforcePPBaseline: {
      auto centered = group_advantages(rewards, G, false, eps).to(at::kDouble);  // [N*G]
      auto w = token_counts.defined() ? token_counts.to(at::kDouble).view({-1}) : at::ones_like(centered);
      check(w.numel() == centered.numel(), "estimate_advantages", "one token count per sample");
      auto total = [&](std::vector<double> v) { return batch_sum ? batch_sum(v) : v; };
      const auto first = total({w.sum().item<double>(), (centered * w).sum().item<double>()});
      const double n = first[0];
      if (n <= 1) return centered.to(at::kFloat);  // nothing to whiten over
      // verl's masked_whiten: weighted mean, Bessel-corrected weighted variance, (x - mean) / sqrt(var + 1e-8).
      const double mean = first[1] / n;
      const double var = total({((centered - mean).pow(2) * w).sum().item<double>()})[0] / n * (n / (n - 1));
      return ((centered - mean) / std::sqrt(var + 1e-8)).to(at::kFloat);
    }
  }
  return {};
}

}  // namespace r1::rl
