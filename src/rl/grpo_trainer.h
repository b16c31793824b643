// The GRPO loop (DeepSeekMath Alg. 1 as R1 uses it). Each step reads as five phases:
//   rollout     prompts_per_step prompts, G samples each from the policy (one prefill per prompt),
//               or from its quantized copy re-quantized after each update (rl.rollout_quant,
//               rollout_policy.h), each scored by its task (rollout/scored_rollout.h);
//   score       one scalar reward per sample: the weighted sum of accuracy, format and language
//               consistency (rewards/weighted_reward.h), + DAPO's overlong penalty (overlong_shaping.h);
//               with dynamic sampling, only groups whose
//               rewards differ are kept, more prompts drawn to fill the batch;
//   advantages  each reward against its group's: GRPO, Dr. GRPO, RLOO, REINFORCE++-baseline
//               (advantage_estimator.h);
//   update      μ AdamW steps on the policy loss (ppo_clip | gspo | cispo, grpo_loss.h; + β·k3 KL to a
//               frozen reference), log-probs at the sampling temperature, the rollout/training mismatch
//               measured and optionally corrected (rollout_mismatch.h), a non-finite step skipped
//               (train/step_guard.h);
//   log         one metrics line and the progress line.
// The run is resumable (train/resumable_run.h): step checkpoints hold the policy, its AdamW state and
// the reference; rollouts are seeded by (seed, global prompt index, sample index), so k steps +
// resume + the rest equal the straight run.
#pragma once
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rl/grpo_loss.h"
#include "rl/rollout_mismatch.h"
#include "rollout/scored_rollout.h"
#include "train/run_control.h"

namespace r1::model {
class CausalLMImpl;
}
namespace r1 {
class MetricsWriter;
}
namespace r1::text {
class Tokenizer;
}
namespace r1::dist {
class Runtime;
}

namespace r1::rl {

// Config keys, ranges and docs: rl/grpo_schema.h (add every new field there).
struct GrpoConfig {
  int64_t steps = 120;
  int64_t prompts_per_step = 8;
  int64_t group_size = 8;            // G
  int64_t num_iterations = 1;        // μ: policy updates per rollout batch
  double lr = 1e-4;                  // 5e-4 collapsed the demo policy within 30 steps; 1e-4 learns
  int64_t warmup_steps = 5;
  double weight_decay = 0.0;
  double grad_clip = 1.0;
  double temperature = 1.0;          // sampling temperature (> 0); the loss's log-probs are taken at it
  double top_p = 1.0;
  int64_t max_new_tokens = 48;
  double beta = 0.0;                 // KL coefficient; 0 loads no reference model
  int64_t ref_update_every = 0;      // replace the reference by the policy every N steps (0 = never)
  double epsilon_low = 0.2;
  double epsilon_high = 0.2;
  std::string loss_type = "grpo";    // grpo | dapo | dr_grpo: the aggregation (grpo_loss.h)
  bool scale_rewards = true;         // divide advantages by the group std (advantage "grpo" only)
  std::string advantage = "grpo";    // grpo | grpo_no_std | rloo | reinforce_pp_baseline (advantage_estimator.h)
  std::string policy_loss = "ppo_clip";  // ppo_clip | gspo | cispo (grpo_loss.h)
  double gspo_epsilon_low = 3e-4;    // GSPO's sequence-ratio clip band (the paper's values)
  double gspo_epsilon_high = 4e-4;
  double epsilon_high_is = 0.28;     // CISPO: the IS weight is clipped above at 1 + epsilon_high_is
  std::string mismatch = "none";     // none | tis | mis: rollout/training mismatch correction (rollout_mismatch.h)
  std::string mismatch_level = "token";  // token | sequence
  double mismatch_cap = 2.0;         // C
  std::string rollout_quant = "none";  // none | int8 | int4: rollouts from a quantized copy (rollout_policy.h)
  int64_t overlong_buffer = 0;       // DAPO's soft overlong punishment: the last N tokens before max_new_tokens
  double overlong_penalty = 1.0;     // its penalty at the limit (overlong_shaping.h)
  // DAPO's dynamic sampling: keep only groups whose rewards differ, drawing up to max_extra_draws more
  // prompt batches per step to fill prompts_per_step of them (the batch is smaller when the bound is hit).
  bool dynamic_sampling = false;
  int64_t max_extra_draws = 3;
  bool drop_equal_reward_groups = false;  // skip groups whose rewards are all equal (no signal)
  double accuracy_weight = 1.0;     // x the task's reward (tasks::Score::reward: 1/0 when verified)
  double format_weight = 0.2;
  // R1's language-consistency reward (rewards/language.h): + language_weight x the share of the CoT's
  // words in `language` ("en" | "zh"). 0 = off (R1-Zero); R1's reasoning RL turns it on.
  double language_weight = 0.0;
  std::string language = "en";
  uint64_t seed = 0;
};

// Where a run's metrics and checkpoints go. With checkpoint_dir set, the run is resumable there
// (DIR/checkpoints/step-N, train/resumable_run.h); the trainer adds its step count and seed to
// control.fingerprint.
struct GrpoRun {
  std::string stage = "grpo";  // the metrics' "stage" and the progress label
  std::string checkpoint_dir;  // "" = no checkpoints
  train::RunControl control;
  const text::Tokenizer* tokenizer = nullptr;  // saved with each checkpoint when set
  nlohmann::json tokenizer_config;             // idem, when not null
  // The job this run is one rank of (null = one process). prompts_per_step is global: rank r rolls
  // out and trains on its slice of each step's prompts (whole groups, so advantages stay per group),
  // seeded by their global index, and every statistic a loss or a log line averages over is summed
  // over the ranks; rank 0 alone writes metrics and checkpoints.
  dist::Runtime* runtime = nullptr;
};

// The prompts of step `step` (prompts_per_step of them). The trainer numbers them with their global
// index step * prompts_per_step + i, which seeds their samples. Dynamic sampling's extra draw k >= 1
// of step s reads prompts(k * steps + s): prompts no regular step reads, the same on a resumed run.
struct GrpoEnvironment {
  std::function<std::vector<rollout::RolloutPrompt>(int64_t step)> prompts;
  std::function<std::string(const std::vector<int32_t>&)> decode;  // completion ids -> text
  int32_t eos_id = -1;
  int32_t pad_id = 0;
};

struct GrpoStepStats {
  double reward = 0, accuracy = 0, format = 0, think_rate = 0;
  double response_length = 0;  // sampled tokens per completion, EOS included, a forced prefix not
                               // (rollout/scored_rollout.h)
  double language = 0;         // mean language consistency of the CoTs (1 = all in cfg.language)
  double kl = 0, clip_fraction = 0, loss = 0, zero_std_groups = 0, stopped = 0;
  // clip_fraction is the policy loss's own (grpo_loss.h): tokens (ppo_clip), sequences (gspo), IS
  // weights (cispo); mean_ratio likewise (tokens, or sequences for gspo).
  double mean_ratio = 1;
  double overlong_penalty = 0;  // mean DAPO length penalty added to the rewards (0 when off)
  double extra_draws = 0;       // dynamic sampling: prompt batches drawn beyond the first
  double kept_groups = 0;       // dynamic sampling: groups trained on / prompts_per_step
  MismatchStats mismatch;  // rollout vs trainer log-probs of the sampled tokens, every step
  double skipped = 0;  // optimizer steps skipped for a non-finite loss or gradient norm
  double rollout_seconds = 0, train_seconds = 0, rollout_tokens_per_s = 0;
  double moe_load_imbalance = 0;  // max/mean expert load, worst layer (MoE policies; 0 otherwise)
};

// Trains `policy` in place; `on_step` (optional) sees each step's stats, e.g. for periodic eval.
// Returns the number of steps done when it returns (cfg.steps unless run.control.stop_after cut it
// short).
int64_t train_grpo(model::CausalLMImpl& policy, const GrpoEnvironment& env, const GrpoConfig& cfg,
                   MetricsWriter* metrics, const std::function<void(int64_t, const GrpoStepStats&)>& on_step = {},
                   const GrpoRun& run = {});

}  // namespace r1::rl
