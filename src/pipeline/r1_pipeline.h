// The whole DeepSeek-R1 recipe at tiny scale, from one config (`r1 pipeline`), into one run
// directory:
//
//   base               pretrain a base model on a corpus whose step-by-step solutions mix two
//                      languages (English and Chinese steps), plus general (non-reasoning) replies
//   r1_zero            GRPO from the base with rule rewards alone (accuracy + format)
//   cold_start         SFT of the base on a small readable long-CoT set: solution-writer traces in
//                      one language, plus R1-Zero samples that verify and pass the language filter
//   reasoning_rl       GRPO from cold_start with the language-consistency reward added
//   reasoning_rl_no_lc the same without it (the ablation that measures what the reward does)
//   rejection_sft      rejection sampling from reasoning_rl (verified, one language, not repetitive,
//                      deduplicated) + general data -> SFT of the base
//   reward_model       a Bradley–Terry preference model on (prompt, chosen, rejected) general pairs
//   final_rl           GRPO from rejection_sft on reasoning prompts (rule rewards) and general
//                      prompts (the preference model's reward): the "R1" of the table
//   student_base       a smaller model pretrained on the same corpus
//   distill            SFT of student_base on final_rl's verified samples
//   student_rl         GRPO of student_base directly (distillation's comparison)
//
// Each stage saves checkpoints/<stage> and is skipped when that exists; the long ones (pretraining,
// GRPO) keep step checkpoints under work/<stage> and continue from them after an interruption, and
// every data set and evaluation is a pure function of the seed, so an interrupted run finishes
// with the same table as a straight one. `stages` runs a subset (their inputs must exist). Each
// model is evaluated on the held-out problems (pass@1 over k samples, cons@k, think-rate, length,
// language mixing; general helpfulness); summary.json and report.html answer the paper's questions.
#pragma once
#include <nlohmann/json.hpp>

#include "pipeline/r1_pipeline_config.h"

namespace r1::pipeline {

// Runs config key `stages` in order (the stage table of r1_pipeline.cpp) and writes summary.json
// and report.html. Returns the summary.
nlohmann::json run_r1_pipeline(const R1PipelineConfig& cfg);

}  // namespace r1::pipeline
