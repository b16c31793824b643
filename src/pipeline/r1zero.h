// The main job: R1-Zero in a tiny world. A byte-level BPE tokenizer and a small base model are
// trained on a corpus that mixes direct answers with <think> step-by-step solutions of verifiable
// task families; the base is measured (pass@1, think-rate, response length, and the accuracy of each
// mode when forced); GRPO with rule-based rewards alone trains it; the final model is measured the
// same way; a report and summary.json land in the run directory.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "pipeline/job_config.h"

namespace r1::dist {
class Runtime;
}

namespace r1::pipeline {

// Runs the whole job from a validated config. Returns the summary written to summary.json.
// Resumable: a stage whose checkpoint (checkpoints/base, checkpoints/final) or evaluation
// (eval_base.json, eval_final.json) exists in the run directory is not run again, and pretraining
// and GRPO continue from their step checkpoints (work/pretrain, work/grpo; checkpoint_every,
// checkpoint_every_rl) after an interruption.
// Under several ranks (`rt`, torchrun / r1 launch) pretraining and GRPO are data parallel over the
// global batch sizes of the config; rank 0 alone evaluates, writes checkpoints, metrics and the report.
nlohmann::json run_r1zero(R1ZeroConfig cfg, dist::Runtime& rt);

// The stages on their own: `r1 pretrain` (tokenizer + base model -> checkpoints/base) and `r1 grpo`
// (RL from init_dir, default checkpoints/base -> checkpoints/final, then evaluation).
//
// `tasks` names synthetic families (running_sum, countdown) and/or benchmark files of
// tasks/datasets/benchmarks.h (gsm8k, gsm8k_train, math500, countdown_cd3, ...) read from
// `data_dir` (default: core/data_dir.h's search); a file's held-out problems are never trained on. `r1 grpo` runs on
// any checkpoint directory with its own tokenizer, BOS/EOS ids and, when tokenizer_config.json has
// a chat template, the R1 chat prompt for benchmark-file tasks (the response forced to open with
// "<think>\n", scored with it), in RL and in the evaluation after it (free mode only there; the
// forced think/direct modes belong to the R1-Zero prompt). checkpoints/final keeps the
// tokenizer_config.json.
void run_pretrain_stage(R1ZeroConfig cfg, dist::Runtime& rt);
void run_grpo_stage(R1ZeroConfig cfg, const std::string& init_dir, dist::Runtime& rt);

}  // namespace r1::pipeline
