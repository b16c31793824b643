// Building blocks shared by the embedded jobs (`r1 demo` and its stages, `r1 pipeline`): the run
// directory, per-stage wall clocks, pretraining on the world's corpus, GRPO rollouts over the
// world's tasks, and evaluation on its held-out problems.
#pragma once
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "core/metrics.h"
#include "pipeline/job_config.h"
#include "pipeline/world.h"
#include "rl/grpo_trainer.h"
#include "train/lm_trainer.h"

namespace r1::pipeline {

double seconds_since(std::chrono::steady_clock::time_point t);

// Wall seconds of finished stages, kept in RUN_DIR/stage_seconds.json so a resumed run reports
// them too.
struct StageClock {
  std::string path;
  nlohmann::json seconds = nlohmann::json::object();
  explicit StageClock(const std::string& run_dir);
  void record(const std::string& stage, double s);
};

// Creates the run directory, writes `resolved` (schema::to_json of the job's whole config) as its
// config.json and applies `threads`. With resume never, a run directory that already holds a run's
// config.json is an error.
void prepare_run_dir(const JobConfig& cfg, const nlohmann::json& resolved);

model::CausalLM load_checkpoint_model(const std::string& dir);

// Where a long stage keeps checkpoints to continue from after an interruption ("" = none).
struct Resume {
  std::string dir;    // DIR/checkpoints/step-N (train/training_checkpoint.h)
  int64_t every = 0;  // steps between checkpoints (and one at the end)
};

// Pretraining rows: documents "BOS text EOS" packed back to back into rows of
// `pretrain_data.pack_length` + 1 tokens (no padding; a row's last document is cut), or one document
// per row when pack_length is 0; with a general_document source, a general_fraction share of the
// documents are general (non-reasoning) ones. Each step's batch is a pure function of (seed, step):
// reproducible and resumable (`resume`). `tc` holds the trainer settings.
train::LmTrainResult pretrain(model::CausalLMImpl& m, const World& w, const JobConfig& cfg,
                              const train::LmTrainConfig& tc, MetricsWriter& metrics,
                              const std::string& stage = "pretrain", const Resume& resume = {});

// GRPO prompts: prompts_per_step training problems a step, tasks taken in turn, each a pure
// function of (seed, step); each task's prompt style (World::prompt): the R1-Zero prompt with BOS,
// or the R1 chat prompt whose forced "<think>\n" is scored with the response.
rl::GrpoEnvironment grpo_environment(const World& w, uint64_t seed, int64_t prompts_per_step);

// The JSON of one task evaluation: pass@1, cons@k, k, problems, think_rate, response_length,
// format_rate, language_mixing.
nlohmann::json task_eval_json(const eval::TaskEvalResult& r);

// The settings of config key `eval` (k, temperature, top_p, max_new_tokens; the run's seed + 4242).
eval::TaskEvalConfig task_eval_config(const JobConfig& cfg);

// Every task on the held-out problems with the `eval` settings, prompted as in RL. R1-Zero prompts in
// three modes: {task: {prompt_style: "r1_zero", free: {...}, forced_think: {...}, forced_direct:
// {...}}}; R1 chat prompts free only, {task: {prompt_style: "r1_chat", free: {...}}}, since their
// response is already forced to open with "<think>\n" and a forced direct answer has no place there.
nlohmann::json evaluate_all(model::CausalLMImpl& m, const World& w, const JobConfig& cfg, const std::string& label);

// evaluate() cached as RUN_DIR/eval_<name>.json (a resumed run does not redo it), logged to the
// metrics and timed as stage eval_<name>.
nlohmann::json cached_eval(const std::string& run_dir, const std::string& name, MetricsWriter& metrics,
                           StageClock& clock, const std::function<nlohmann::json()>& evaluate);

}  // namespace r1::pipeline
