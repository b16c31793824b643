#include "rl/grpo_loss.h"

#include "core/error.h"

namespace r1::rl {

LossAggregation parse_loss_aggregation(const std::string& name) {
  if (name == "grpo") return LossAggregation::kSequenceMean;
  if (name == "dapo") return LossAggregation::kTokenMean;
  if (name == "dr_grpo") return LossAggregation::kConstant;
  throw Error("config key rl.loss_type", "unknown value '" + name + "' (known: grpo, dapo, dr_grpo)");
}

PolicyLoss parse_policy_loss(const std::string& name) {
  if (name == "ppo_clip") return PolicyLoss::kPpoClip;
  if (name == "gspo") return PolicyLoss::kGspo;
  if (name == "cispo") return PolicyLoss::kCispo;
  throw Error("config key rl.policy_loss", "unknown value '" + name + "' (known: ppo_clip, gspo, cispo)");
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

namespace {

// The policy-gradient term per token [B, T] and its diagnostics (clip_fraction, mean_ratio).
at::Tensor policy_term(const GrpoLossInputs& in, const GrpoLossConfig& cfg, const at::Tensor& mask,
                       GrpoLossOutput& out) {
  auto adv = in.advantages.to(in.logp.scalar_type()).unsqueeze(1);  // [B, 1]
  const double n = std::max(1.0, mask.sum().item<double>());
  switch (cfg.policy) {
    case PolicyLoss::kPpoClip: {
      auto ratio = (in.logp - in.old_logp).exp();  // [B, T]
      auto unclipped = ratio * adv;
      auto clipped = ratio.clamp(1 - cfg.epsilon_low, 1 + cfg.epsilon_high) * adv;
      auto per_token = -at::min(unclipped, clipped);
      at::NoGradGuard ng;
      // Clipping is active only where it removes the gradient (TRL's clip_ratio/region_mean): the
      // ratio below 1 - ε_low with A < 0, or above 1 + ε_high with A > 0.
      auto active = ((ratio < 1 - cfg.epsilon_low) & (adv < 0)) | ((ratio > 1 + cfg.epsilon_high) & (adv > 0));
      out.clip_fraction = (active.to(mask.scalar_type()) * mask).sum().item<double>() / n;
      out.mean_ratio = (ratio * mask).sum().item<double>() / n;
      return per_token;
    }
    case PolicyLoss::kGspo: {
      // s_i = exp(mean over the sequence's tokens of log ρ) [B, 1], broadcast over its tokens.
      auto lengths = mask.sum(1, /*keepdim=*/true);                                            // [B, 1]
      auto s = (((in.logp - in.old_logp) * mask).sum(1, true) / lengths.clamp_min(1)).exp();  // [B, 1]
      auto per_seq = -at::min(s * adv, s.clamp(1 - cfg.epsilon_low, 1 + cfg.epsilon_high) * adv);
      auto per_token = per_seq.expand_as(in.logp);
      at::NoGradGuard ng;
      auto seqs = (lengths > 0).to(mask.scalar_type());  // sequences with completion tokens
      const double ns = std::max(1.0, seqs.sum().item<double>());
      auto active = ((s < 1 - cfg.epsilon_low) & (adv < 0)) | ((s > 1 + cfg.epsilon_high) & (adv > 0));
      out.clip_fraction = (active.to(mask.scalar_type()) * seqs).sum().item<double>() / ns;
      out.mean_ratio = (s * seqs).sum().item<double>() / ns;
      return per_token;
    }
    case PolicyLoss::kCispo: {
      at::Tensor ratio, weight;
      {
        at::NoGradGuard ng;
        ratio = (in.logp - in.old_logp).exp();
        weight = ratio.clamp_max(1 + cfg.epsilon_high_is);  // sg(r̂)
        out.clip_fraction = ((ratio > 1 + cfg.epsilon_high_is).to(mask.scalar_type()) * mask).sum().item<double>() / n;
        out.mean_ratio = (ratio * mask).sum().item<double>() / n;
      }
      return -(weight * adv) * in.logp;
    }
  }
  return {};
}

}  // namespace

GrpoLossOutput grpo_loss(const GrpoLossInputs& in, const GrpoLossConfig& cfg) {
  auto mask = in.mask.to(in.logp.scalar_type());
  GrpoLossOutput out;
  auto per_token = policy_term(in, cfg, mask, out);
  if (in.token_weight.defined()) per_token = per_token * in.token_weight.to(per_token.scalar_type()).detach();
  at::Tensor kl;
  if (cfg.beta != 0.0) {
    check(in.ref_logp.defined(), "grpo_loss", "beta != 0 needs reference log-probs");
    kl = k3_kl(in.logp, in.ref_logp);
    per_token = per_token + cfg.beta * kl;
  }
  const bool global = in.normalizer > 0;
  switch (cfg.aggregation) {
    case LossAggregation::kSequenceMean: {
      auto per_seq = (per_token * mask).sum(1) / mask.sum(1).clamp_min(1);  // [B]
      out.loss = global ? per_seq.sum() / in.normalizer : per_seq.mean();
      break;
    }
    case LossAggregation::kTokenMean:
      out.loss = (per_token * mask).sum() / (global ? at::scalar_tensor(in.normalizer, mask.options()) : mask.sum().clamp_min(1));
      break;
    case LossAggregation::kConstant:
      check(cfg.max_completion_length > 0, "config key rl.max_new_tokens", "dr_grpo needs a positive constant");
      out.loss = (per_token * mask).sum() /
                 ((global ? in.normalizer : static_cast<double>(mask.size(0))) * cfg.max_completion_length);
      break;
  }
  if (kl.defined()) {
    at::NoGradGuard ng;
    double n = std::max(1.0, mask.sum().item<double>());
    out.kl = (kl * mask).sum().item<double>() / n;
  }
  return out;
}

}  // namespace r1::rl
