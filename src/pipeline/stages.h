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
#include "eval/task_eval.h"
#include "rl/grpo_trainer.h"
#include "train/lm_trainer.h"

namespace r1::dist {
class Runtime;
}

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

// Creates the run directory, removes what an interrupted save left in RUN_DIR/checkpoints, writes
// `resolved` (schema::to_json of the job's whole config) as its config.json and applies `threads`.
// A directory already holding a run is reused as config key `resume` says: auto -- only when that
// run's config.json agrees with `result` (schema::result_part: model, data, optimizer, algorithm,
// seeds; never threads, logging, stages, cadence or paths), else a UsageError naming the key that
// differs; force -- whatever it was; never -- not at all (a fresh directory is needed).
// Under several ranks rank 0 alone checks and writes (`is_main`); every rank applies `threads`.
void prepare_run_dir(const JobConfig& cfg, const nlohmann::json& resolved, const nlohmann::json& result,
                     bool is_main = true);

// The same for a job config type C (JobConfig or one derived from it) with its own schema.
template <class C>
void prepare_run_dir(const C& cfg, bool is_main = true) {
  prepare_run_dir(cfg, schema::to_json(cfg), schema::result_part(cfg), is_main);
}

model::CausalLM load_checkpoint_model(const std::string& dir);

// How a job's trainer checkpoints: every `every` steps (config keys checkpoint_every,
// checkpoint_every_rl), config key resume, and the job's result part as the fingerprint.
template <class C>
train::RunControl run_control(const C& cfg, int64_t every) {
  train::RunControl c;
  c.checkpoint_every = every;
  c.resume = cfg.resume;
  c.fingerprint = schema::result_part(cfg);
  return c;
}

// Pretraining rows: documents "BOS text EOS" packed back to back into rows of
// `pretrain_data.pack_length` + 1 tokens (no padding; a row's last document is cut), or one document
// per row when pack_length is 0; with a general_document source, a general_fraction share of the
// documents are general (non-reasoning) ones. Each step's batch is a pure function of (seed, step),
// so the run resumes exactly from its step checkpoints in WORK_DIR/checkpoints (complete model
// directories with the world's tokenizer). `tc` holds the trainer settings. `rt` (null = one
// process): tc.batch_size rows is the global batch, each rank training on its slice.
train::LmTrainResult pretrain(model::CausalLMImpl& m, const World& w, const JobConfig& cfg,
                              const train::LmTrainConfig& tc, MetricsWriter& metrics, const std::string& stage,
                              const std::string& work_dir, const train::RunControl& control,
                              dist::Runtime* rt = nullptr);

// GRPO prompts: prompts_per_step training problems a step, tasks taken in turn, each a pure
// function of (seed, step); each task's prompt style (World::prompt): the R1-Zero prompt with BOS,
// or the R1 chat prompt whose forced "<think>\n" is scored with the response. Prompts longer than
// max_prompt_tokens (the context minus rl.max_new_tokens; 0 = no limit) are skipped and drawn again;
// a benchmark file's are counted and logged at start, and a file with none that fits is an error.
rl::GrpoEnvironment grpo_environment(const World& w, uint64_t seed, int64_t prompts_per_step,
                                     int64_t max_prompt_tokens = 0);

// The JSON of one task evaluation: pass@1, cons@k, k, problems, think_rate, response_length,
// format_rate, language_mixing.
nlohmann::json task_eval_json(const eval::TaskEvalResult& r);

// The settings of config key `eval` (k, temperature, top_p, max_new_tokens; its own seed stream).
eval::TaskEvalConfig task_eval_config(const JobConfig& cfg);

// Every task on the held-out problems with the `eval` settings, prompted as in RL. R1-Zero prompts in
// three modes: {task: {prompt_style: "r1_zero", free: {...}, forced_think: {...}, forced_direct:
// {...}}}; R1 chat prompts free only, {task: {prompt_style: "r1_chat", free: {...}}}, since their
// response is already forced to open with "<think>\n" and a forced direct answer has no place there.
nlohmann::json evaluate_all(model::CausalLMImpl& m, const World& w, const JobConfig& cfg, const std::string& label);

// evaluate() of the model in `checkpoint_dir`, cached as RUN_DIR/eval_<name>.json, logged to the
// metrics and timed as stage eval_<name>. The cache is keyed (RUN_DIR/eval_<name>.key.json) by what
// the results depend on: a hash of the checkpoint's files and the evaluation settings of `resolved`
// (the job's schema::to_json: eval, tasks, task_options, seed, general, data_dir); any change
// recomputes it.
nlohmann::json cached_eval(const nlohmann::json& resolved, const std::string& name, const std::string& checkpoint_dir,
                           MetricsWriter& metrics, StageClock& clock, const std::function<nlohmann::json()>& evaluate);

}  // namespace r1::pipeline
