// JSON forms of the training configs (defaults come from the structs, so `r1 <cmd> --help` shows
// them and unknown keys are caught by core/config's merge).
#pragma once
#include <nlohmann/json.hpp>

#include "eval/task_eval.h"
#include "rl/grpo_trainer.h"
#include "rl/rejection_sampling.h"
#include "train/lm_trainer.h"

namespace r1::train {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LmTrainConfig, steps, batch_size, micro_batch_size, lr, warmup_steps,
                                                min_lr_ratio, weight_decay, grad_clip, adam_beta1, adam_beta2, log_every)
}
namespace r1::rl {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GrpoConfig, steps, prompts_per_step, group_size, num_iterations, lr,
                                                warmup_steps, weight_decay, grad_clip, temperature, top_p,
                                                max_new_tokens, beta, ref_update_every, epsilon_low, epsilon_high,
                                                loss_type, scale_rewards, drop_equal_reward_groups, accuracy_weight,
                                                format_weight, language_weight, language, seed)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RejectionConfig, language, min_language, max_tokens, max_chars,
                                                repeat_ngram, max_repeat_ratio, dedup, max_per_prompt)
}
