// The world of the embedded jobs (`r1 demo`, `r1 pipeline`, `r1 grpo`): verifiable task families
// (generators, or benchmark files under data_dir), the held-out problems every evaluation uses, and
// the policy's text format: the tiny world's byte-level BPE tokenizer trained on the families'
// corpus (saved as RUN_DIR/tokenizer.json) with the small model built for it from the job config,
// or a checkpoint's own tokenizer, special ids and chat template.
#pragma once
#include <nlohmann/json.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "eval/benchmark.h"
#include "io/model_dir.h"
#include "model/causal_lm.h"
#include "pipeline/job_config.h"
#include "tasks/prompt_template.h"
#include "tasks/task.h"
#include "text/chat_template.h"
#include "text/text_codec.h"
#include "text/tokenizer.h"

namespace r1::pipeline {

struct World {
  std::vector<std::unique_ptr<tasks::Task>> tasks;
  text::Tokenizer tokenizer;
  text::TextCodec codec;
  std::optional<text::ChatTemplate> chat;  // the policy's chat template (its tokenizer_config.json)
  nlohmann::json tokenizer_config;         // saved with every checkpoint, so the template survives
  std::vector<std::vector<tasks::Problem>> heldout;  // per task
  std::unordered_set<std::string> heldout_questions;
  double think_fraction = 0.5;
  // Optional general (non-reasoning) documents mixed into pretraining (`r1 pipeline`): a share
  // general_fraction of the documents, each drawn from this source.
  std::function<std::string(tasks::Rng&)> general_document;
  double general_fraction = 0.0;

  // A training problem of task t that is not held out. A generator whose draws are all held out
  // (a problem space no larger than eval.problems) is an error rather than an endless loop;
  // build_tasks already refused benchmark files with nothing left to train on.
  tasks::Problem sample_train(size_t t, tasks::Rng& rng) const;
  // "User: …\nAssistant: <solution>" — thinking with probability think_fraction.
  std::string document(const tasks::Problem& p, size_t t, tasks::Rng& rng) const;
  // Benchmark-file tasks get the R1 chat prompt when the policy has a chat template: what `r1 eval`
  // prompts them with (eval::choose_prompt_style), so the RL reward and the eval metric see the same
  // prompt. The synthetic families keep R1-Zero's: their verifier reads <answer> tags, which only
  // that template asks for.
  tasks::PromptStyle prompt_style(size_t t) const;
  // Task t's prompt for problem p; its response_prefix is forced and scored with the response.
  tasks::Prompt prompt(const tasks::Problem& p, size_t t) const;
};

// An empty data_dir is set to the data folder the first benchmark-file task is found in
// (core/data_dir.h: $R1_DATA_DIR, the installed data, the source tree's data/), so the run's
// config.json records the folder actually used.
void resolve_data_dir(JobConfig& cfg);

// Up to n distinct problems of `task` (by question), at most 100 n draws: a held-out set.
std::vector<tasks::Problem> distinct_problems(const tasks::Task& task, int64_t n, tasks::Rng& rng);

// A problem of `task` whose question is not in `excluded`; an r1::Error after a million held-out
// draws in a row (a task with nothing left to train on).
tasks::Problem sample_excluding(const tasks::Task& task, const std::unordered_set<std::string>& excluded,
                                tasks::Rng& rng);

// Tasks from config keys `tasks` / `task_options`: synthetic families, or benchmark files of
// tasks/datasets/benchmarks.h (gsm8k, math500, countdown_cd3, ...) read from `data_dir`; and
// `eval.problems` held-out problems per task (a seed of their own), never trained on. A benchmark
// file whose every problem is held out is an error. No tokenizer yet.
World build_tasks(const JobConfig& cfg);

// The held-out problems of a job as benchmarks, one per task of `tasks` and named by it (ids
// "<task>/heldout/<i>" where the problem has none): the problems `r1 eval --heldout_of` scores,
// which the job evaluated on and never trained on.
std::vector<eval::Benchmark> heldout_benchmarks(const JobConfig& cfg);

// The held-out problems written as the pretraining corpus writes documents (World::document: the
// prompt and the task's reference solution, thinking at pretrain_data.think_fraction), seeded by
// (cfg.seed, "heldout_text"), task after task: text in the job's format that it never trained on,
// what `r1 perplexity --heldout_of` scores.
std::vector<std::string> heldout_documents(const JobConfig& cfg);

// build_tasks and the tiny world's tokenizer: RUN_DIR/tokenizer.json when it exists, else trained
// on a sample of the corpus (`tokenizer.num_merges`) and saved there; <|bos|>/<|eos|> frame every
// document.
World build_world(const JobConfig& cfg);

// The text format of a loaded checkpoint, as `r1 eval` reads it: its tokenizer.json, BOS/EOS from
// its config.json, and the chat template of its tokenizer_config.json when there is one.
void use_checkpoint_text(World& w, const io::LoadedModel& loaded, const std::string& dir);

// A freshly initialised model of architecture `mc` (`config_key` names it in errors: "model",
// "student_model") for the world's tokenizer: vocab_size 0 becomes the tokenizer's size, any other
// value must equal it; BOS/EOS are the tokenizer's.
model::CausalLM build_model(model::ModelConfig mc, const std::string& config_key, uint64_t seed, const World& w);

}  // namespace r1::pipeline
