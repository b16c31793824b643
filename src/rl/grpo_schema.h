// The config schema of GrpoConfig (core/schema.h): the `rl.*` keys.
#pragma once
#include "core/schema.h"
#include "rl/grpo_trainer.h"

namespace r1::rl {

template <class V>
void visit_fields(V& v, GrpoConfig& c) {
  using namespace r1::schema;
  v.field("steps", c.steps, "GRPO steps (rollout + policy updates)", at_least(1));
  v.field("prompts_per_step", c.prompts_per_step, "prompts per step", at_least(1));
  v.field("group_size", c.group_size, "G: completions sampled per prompt (advantages are relative within the group)",
          at_least(2));
  v.field("num_iterations", c.num_iterations, "mu: policy updates per rollout batch", at_least(1));
  v.field("lr", c.lr, "AdamW learning rate", open_closed(0, 1));
  v.field("warmup_steps", c.warmup_steps, "steps of linear warmup", at_least(0));
  v.field("weight_decay", c.weight_decay, "AdamW decoupled weight decay", closed(0, 1));
  v.field("grad_clip", c.grad_clip, "clip the gradient's global norm to this; 0 = off", at_least(0));
  v.field("temperature", c.temperature, "rollout sampling temperature", above(0));
  v.field("top_p", c.top_p, "rollout nucleus sampling", open_closed(0, 1));
  v.field("max_new_tokens", c.max_new_tokens, "tokens per completion at most", at_least(1));
  v.field("beta", c.beta, "k3 KL coefficient to a frozen reference (0 loads no reference)", at_least(0));
  v.field("ref_update_every", c.ref_update_every, "replace the reference by the policy every N steps; 0 = never",
          at_least(0));
  v.field("epsilon_low", c.epsilon_low, "clip the ratio below at 1 - epsilon_low", closed_open(0, 1));
  v.field("epsilon_high", c.epsilon_high, "clip the ratio above at 1 + epsilon_high (DAPO's clip-higher: 0.28)",
          at_least(0));
  v.field("loss_type", c.loss_type,
          "grpo: per-sequence mean (the paper); dapo: per-token mean over the batch; dr_grpo: a constant divisor",
          one_of({"grpo", "dapo", "dr_grpo"}));
  v.field("scale_rewards", c.scale_rewards,
          "divide advantages by the group's reward std (advantage grpo only; false = grpo_no_std)");
  v.field("advantage", c.advantage,
          "advantage estimator. grpo: (r - group mean) / group std (DeepSeekMath 2402.03300; TRL, verl grpo); "
          "grpo_no_std: r - group mean (Dr. GRPO 2503.20783; TRL scale_rewards=none, verl "
          "norm_adv_by_std_in_grpo=False); rloo: r - mean of the group's other samples (RLOO 2402.14740; TRL "
          "RLOOTrainer, verl/OpenRLHF rloo); reinforce_pp_baseline: r - group mean, whitened over the batch's tokens "
          "(REINFORCE++ 2501.03262; verl reinforce_plus_plus_baseline, OpenRLHF reinforce_baseline)",
          one_of({"grpo", "grpo_no_std", "rloo", "reinforce_pp_baseline"}));
  v.field("policy_loss", c.policy_loss,
          "ppo_clip: token-level clipped surrogate (PPO/GRPO); gspo: sequence-level ratio exp(mean token log-ratio) "
          "clipped per sequence with gspo_epsilon_* (GSPO 2507.18071; TRL importance_sampling_level=sequence, verl "
          "loss_mode=gspo; the paper aggregates with loss_type grpo); cispo: -sg(min(ratio, 1 + epsilon_high_is)) A "
          "log p, the IS weight clipped, never the gradient (CISPO, MiniMax-M1 2506.13585; TRL loss_type=cispo)",
          one_of({"ppo_clip", "gspo", "cispo"}));
  v.field("gspo_epsilon_low", c.gspo_epsilon_low, "gspo: clip the sequence ratio below at 1 - this (paper: 3e-4)",
          closed_open(0, 1));
  v.field("gspo_epsilon_high", c.gspo_epsilon_high, "gspo: clip the sequence ratio above at 1 + this (paper: 4e-4)",
          at_least(0));
  v.field("epsilon_high_is", c.epsilon_high_is,
          "cispo: clip the importance weight above at 1 + this (no lower bound, as MiniMax-M1)", at_least(0));
  v.field("mismatch", c.mismatch,
          "rollout/training mismatch correction, ratio pi_old_train / pi_rollout of the sampled tokens (logged every "
          "step whatever this is). none; tis: x min(ratio, mismatch_cap), stop-gradient (truncated IS, Yao et al. "
          "2025; TRL vllm_importance_sampling_correction, verl rollout_is); mis: mask what exceeds mismatch_cap "
          "(masked IS; TRL *_mask modes, verl rollout_rs)",
          one_of({"none", "tis", "mis"}));
  v.field("mismatch_level", c.mismatch_level,
          "token: the ratio per token; sequence: the product over the completion, one weight per sequence",
          one_of({"token", "sequence"}));
  v.field("mismatch_cap", c.mismatch_cap, "C of tis/mis (verl's rollout_is_threshold default 2)", above(0));
  v.field("rollout_quant", c.rollout_quant,
          "sample rollouts from a weight-quantized copy of the policy, re-quantized from its fp32 weights after every "
          "update, as a quantized vLLM/SGLang rollout engine would (training stays fp32): none; int8 (Q8_0); int4 (Q4_0, "
          "head Q8_0) -- r1 generate's --quant. The mismatch it adds is logged as mismatch_*, corrected by mismatch tis|mis; "
          "CPU only",
          one_of({"none", "int8", "int4"}));
  v.field("drop_equal_reward_groups", c.drop_equal_reward_groups, "skip groups whose rewards are all equal (no signal)");
  v.field("overlong_buffer", c.overlong_buffer,
          "DAPO's soft overlong punishment (2503.14476): a completion within this many tokens of max_new_tokens "
          "loses overlong_penalty x the share of the buffer it used; 0 = off (verl overlong_buffer.len, OpenRLHF "
          "--overlong_buffer_len)",
          at_least(0));
  v.field("overlong_penalty", c.overlong_penalty, "the overlong punishment at max_new_tokens (verl penalty_factor)",
          at_least(0));
  v.field("dynamic_sampling", c.dynamic_sampling,
          "DAPO's dynamic sampling (2503.14476): train only on groups whose rewards differ, drawing more prompts until "
          "prompts_per_step such groups are found (verl algorithm.filter_groups, OpenRLHF --dynamic_filtering)");
  v.field("max_extra_draws", c.max_extra_draws,
          "dynamic sampling: extra prompt batches per step at most (verl max_num_gen_batches); the batch is "
          "smaller when they run out",
          at_least(0));
  v.field("accuracy_weight", c.accuracy_weight, "weight of the task verifier's reward");
  v.field("format_weight", c.format_weight, "weight of the R1-Zero format reward");
  v.field("language_weight", c.language_weight, "weight of R1's language-consistency reward; 0 = off", at_least(0));
  v.field("language", c.language, "target language of the language-consistency reward", one_of({"en", "zh"}));
  v.field("seed", c.seed, "rollout seed; 0 = derived from the run's seed");
}

}  // namespace r1::rl
