// The GRPO objective and its common variants (R1_SPEC §1; TRL / verl / DAPO / Dr. GRPO):
//   per token  l = w·pg + β·k3,  ρ = exp(logp - logp_old),  w the rollout-mismatch weight (1 if none)
//   pg by policy loss (`rl.policy_loss`):
//     ppo_clip  -min(ρ·A, clip(ρ, 1-ε_low, 1+ε_high)·A)                      (PPO / GRPO, per token)
//     gspo      -min(s·A, clip(s, 1-ε_low, 1+ε_high)·A),  s = exp(mean_t log ρ) per sequence, the same
//               for each of its tokens (GSPO 2507.18071; TRL importance_sampling_level="sequence",
//               verl loss_mode=gspo); ∇ = s·A·mean_t ∇log π when unclipped, 0 when clipped
//     cispo     -sg(min(ρ, 1+ε_high_is))·A·log π  (CISPO, MiniMax-M1 2506.13585: the IS weight is
//               clipped, never the gradient; no lower bound, as the paper; TRL loss_type="cispo")
//   k3 = r - log r - 1 with r = π_ref / π_θ (Schulman's unbiased, non-negative KL estimator).
#pragma once
#include <ATen/ATen.h>

#include <string>

namespace r1::rl {

enum class LossAggregation {
  kSequenceMean,  // "grpo": mean over each sequence's tokens, then over sequences (the paper)
  kTokenMean,     // "dapo": sum over all tokens / number of tokens
  kConstant,      // "dr_grpo": sum over all tokens / (sequences * max_completion_length)
};
LossAggregation parse_loss_aggregation(const std::string& name);  // errors name the value

enum class PolicyLoss { kPpoClip, kGspo, kCispo };
PolicyLoss parse_policy_loss(const std::string& name);  // errors name the value

struct GrpoLossConfig {
  double epsilon_low = 0.2;
  double epsilon_high = 0.2;  // DAPO's clip-higher uses 0.28
  double beta = 0.0;          // KL coefficient; 0 = no reference model
  LossAggregation aggregation = LossAggregation::kSequenceMean;
  int64_t max_completion_length = 0;  // the constant of kConstant
  PolicyLoss policy = PolicyLoss::kPpoClip;  // gspo clips with epsilon_low/high (the trainer passes its own)
  double epsilon_high_is = 0.28;             // cispo: the IS weight's upper bound is 1 + epsilon_high_is
};

// rewards [N*G] grouped by prompt -> advantages [N*G]: (r - mean_group) / (std_group + eps) with
// the sample (Bessel-corrected) std as TRL, or r - mean_group when scale_by_std is false.
at::Tensor group_advantages(const at::Tensor& rewards, int64_t group_size, bool scale_by_std, double eps = 1e-4);

// log π(target) per position under softmax(logits / temperature): logits [B, T, V], targets [B, T]
// -> [B, T] (fp32 softmax). GRPO passes the sampling temperature (TRL does the same for the policy,
// old and reference log-probs), so the ratio, the KL and the gradient are those of the distribution
// the rollouts were drawn from.
at::Tensor token_logprobs(const at::Tensor& logits, const at::Tensor& targets, double temperature = 1.0);

// k3 estimate per token from log π_θ and log π_ref, both [B, T].
at::Tensor k3_kl(const at::Tensor& logp, const at::Tensor& ref_logp);

struct GrpoLossInputs {
  at::Tensor logp;        // [B, T] current policy, requires grad
  at::Tensor old_logp;    // [B, T] policy that sampled (detached)
  at::Tensor ref_logp;    // [B, T] reference policy; undefined when beta = 0
  at::Tensor advantages;  // [B]
  at::Tensor mask;        // [B, T] 1 for completion tokens, 0 for prompt and padding
  at::Tensor token_weight;  // [B, T] detached weight of the policy term (rollout mismatch: TIS/MIS,
                            // rl/rollout_mismatch.h); undefined = 1
  // Data parallel: what the aggregation divides by, counted over every rank's batch -- sequences
  // (grpo, dr_grpo) or completion tokens (dapo) -- so the ranks' losses sum to the whole batch's.
  // 0 = this batch's own count (one process).
  double normalizer = 0;
};

struct GrpoLossOutput {
  at::Tensor loss;       // scalar, to minimize
  double kl = 0.0;       // mean k3 over completion tokens (0 when beta = 0)
  double clip_fraction = 0.0;  // ppo_clip: share of completion tokens where clipping is active (no
                               // gradient): ratio < 1 - ε_low with A < 0, or ratio > 1 + ε_high with A > 0;
                               // gspo: the same per sequence, share of sequences (with s for the ratio);
                               // cispo: share of completion tokens whose IS weight was clipped
  double mean_ratio = 1.0;     // mean ρ over completion tokens (gspo: mean s over sequences)
};

GrpoLossOutput grpo_loss(const GrpoLossInputs& in, const GrpoLossConfig& cfg);

}  // namespace r1::rl
