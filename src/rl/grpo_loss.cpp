#include "rl/grpo_loss.h"

#include "core/error.h"

namespace r1::rl {

LossAggregation parse_loss_aggregation(const std::string& name) {
  if (name == "grpo") return LossAggregation::kSequenceMean;
  if (name == "dapo") return LossAggregation::kTokenMean;
  if (name == "dr_grpo") return LossAggregation::kConstant;
  throw Error("config key rl.loss_type", "unknown value '" + name + "' (known: grpo, dapo, dr_grpo)");
}

at::Tensor group_advantages(const at::Tensor& rewards, int64_t G, bool scale_by_std, double eps) {
  check(rewards.numel() % G == 0, "group_advantages", "reward count is not a multiple of the group size");
  auto r = rewards.to(at::kFloat).view({-1, G});      // [N, G]
  auto centered = r - r.mean(1, /*keepdim=*/true);
  if (scale_by_std) {
    auto std = G > 1 ? r.std(1, /*unbiased=*/true, /*keepdim=*/true) : at::zeros_like(r.narrow(1, 0, 1));
    centered = centered / (std + eps);
  }
  return centered.view({-1});
}

at::Tensor token_logprobs(const at::Tensor& logits, const at::Tensor& targets, double temperature) {
  check(temperature > 0, "token_logprobs", "temperature must be > 0 (got " + std::to_string(temperature) + ")");
  auto compute = logits.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
  auto scaled = temperature == 1.0 ? logits.to(compute) : logits.to(compute) / temperature;
  return scaled.log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1);
}

at::Tensor k3_kl(const at::Tensor& logp, const at::Tensor& ref_logp) {
  auto d = ref_logp - logp;  // log r
  return d.exp() - d - 1;
}

GrpoLossOutput grpo_loss(const GrpoLossInputs& in, const GrpoLossConfig& cfg) {
  auto mask = in.mask.to(in.logp.scalar_type());
  auto ratio = (in.logp - in.old_logp).exp();                             // [B, T]
  auto adv = in.advantages.to(in.logp.scalar_type()).unsqueeze(1);        // [B, 1]
  auto unclipped = ratio * adv;
  auto clipped = ratio.clamp(1 - cfg.epsilon_low, 1 + cfg.epsilon_high) * adv;
  auto per_token = -at::min(unclipped, clipped);
  at::Tensor kl;
  if (cfg.beta != 0.0) {
    check(in.ref_logp.defined(), "grpo_loss", "beta != 0 needs reference log-probs");
    kl = k3_kl(in.logp, in.ref_logp);
    per_token = per_token + cfg.beta * kl;
  }
  at::Tensor loss;
  switch (cfg.aggregation) {
    case LossAggregation::kSequenceMean:
      loss = ((per_token * mask).sum(1) / mask.sum(1).clamp_min(1)).mean();
      break;
    case LossAggregation::kTokenMean:
      loss = (per_token * mask).sum() / mask.sum().clamp_min(1);
      break;
    case LossAggregation::kConstant:
      check(cfg.max_completion_length > 0, "config key rl.max_new_tokens", "dr_grpo needs a positive constant");
      loss = (per_token * mask).sum() / static_cast<double>(mask.size(0) * cfg.max_completion_length);
      break;
  }
  GrpoLossOutput out{loss};
  at::NoGradGuard ng;
  double n = std::max(1.0, mask.sum().item<double>());
  if (kl.defined()) out.kl = (kl * mask).sum().item<double>() / n;
  // Clipping is active only where it removes the gradient (TRL's clip_ratio/region_mean): the
  // ratio below 1 - ε_low with A < 0, or above 1 + ε_high with A > 0.
  auto active = ((ratio < 1 - cfg.epsilon_low) & (adv < 0)) | ((ratio > 1 + cfg.epsilon_high) & (adv > 0));
  out.clip_fraction = (active.to(mask.scalar_type()) * mask).sum().item<double>() / n;
  out.mean_ratio = (ratio * mask).sum().item<double>() / n;
  return out;
}

}  // namespace r1::rl
