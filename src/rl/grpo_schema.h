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
  v.field("scale_rewards", c.scale_rewards, "divide advantages by the group's reward std");
  v.field("drop_equal_reward_groups", c.drop_equal_reward_groups, "skip groups whose rewards are all equal (no signal)");
  v.field("accuracy_weight", c.accuracy_weight, "weight of the task verifier's reward");
  v.field("format_weight", c.format_weight, "weight of the R1-Zero format reward");
  v.field("language_weight", c.language_weight, "weight of R1's language-consistency reward; 0 = off", at_least(0));
  v.field("language", c.language, "target language of the language-consistency reward", one_of({"en", "zh"}));
  v.field("seed", c.seed, "rollout seed; 0 = derived from the run's seed");
}

}  // namespace r1::rl
