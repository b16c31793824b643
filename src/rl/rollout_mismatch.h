// Rollout/training mismatch: the engine that sampled a completion and the trainer that scores it
// compute log-probs differently (bf16 rollouts, the absorbed MLA path, a quantized rollout model,
// another kernel), so π_rollout ≠ π_old even on-policy. The ratio ρ_mis = π_old / π_rollout per token
// (π_old: the trainer's log-probs before the update) measures it and can correct it
// (`rl.mismatch`, with `rl.mismatch_cap` C and `rl.mismatch_level`):
//   none  the loss is unchanged (the mismatch is still measured and logged every step)
//   tis   truncated importance sampling: the policy term × sg(min(ρ_mis, C))  (Yao et al., "Your
//         efficient RL framework secretly brings you off-policy RL training", 2025; TRL
//         vllm_importance_sampling_correction "token_truncate"/"sequence_truncate", verl
//         rollout_is=token|sequence)
//   mis   masked importance sampling: the policy term × 1[ρ_mis ≤ C] — tokens (or whole sequences)
//         beyond the cap are left out (TRL "token_mask"/"sequence_mask", verl rollout_rs); the
//         loss's divisors are unchanged, as TRL's
//   level token: ρ_mis per token; sequence: the product over the sequence's tokens (the likelihood
//         ratio of the whole completion), one weight for all its tokens.
#pragma once
#include <ATen/ATen.h>

#include <string>

namespace r1::rl {

enum class MismatchCorrection { kNone, kTis, kMis };
enum class MismatchLevel { kToken, kSequence };
MismatchCorrection parse_mismatch_correction(const std::string& name);  // errors name the value
MismatchLevel parse_mismatch_level(const std::string& name);

struct MismatchConfig {
  MismatchCorrection correction = MismatchCorrection::kNone;
  MismatchLevel level = MismatchLevel::kToken;
  double cap = 2.0;  // C (verl's rollout_is_threshold default)
};

struct MismatchStats {
  double kl = 0.0;             // KL(π_rollout ‖ π_old) estimated per token by k3 = ρ - log ρ - 1, mean
  double abs_log_ratio = 0.0;  // mean |log ρ_mis| over completion tokens
  double max_ratio = 1.0;      // largest token ρ_mis
  double beyond_cap = 0.0;     // share of tokens (level token) or sequences (level sequence) with ρ_mis > C:
                               // those truncated (tis) or masked (mis); measured under none too
};

struct Mismatch {
  at::Tensor weight;  // [B, T] detached weight of the policy term; undefined under none
  MismatchStats stats;
};

// train_logp, rollout_logp, mask: [B, T] (rollout_logp holds the engine's log-prob at each
// completion position, anything elsewhere).
Mismatch rollout_mismatch(const at::Tensor& train_logp, const at::Tensor& rollout_logp, const at::Tensor& mask,
                          const MismatchConfig& cfg);

}  // namespace r1::rl
