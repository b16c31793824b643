// The configs of the embedded jobs, each a typed struct with its schema (core/schema.h) beside it:
// JobConfig holds what `r1 demo` (and its stages `r1 pretrain`, `r1 grpo`) shares with `r1 pipeline`
// (the run directory, the tiny world's tasks, tokenizer and model, pretraining, held-out evaluation);
// R1ZeroConfig adds the demo's GRPO settings. r1_pipeline_config.h adds the pipeline's stages.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/resume.h"
#include "core/schema.h"
#include "dist/dist_config.h"
#include "dist/dist_config_schema.h"
#include "dist/threads.h"
#include "dist/threads_schema.h"
#include "model/model_config.h"
#include "model/model_config_schema.h"
#include "rl/grpo_schema.h"
#include "rl/grpo_trainer.h"
#include "tasks/task_options.h"
#include "train/lm_trainer.h"
#include "train/train_schema.h"

namespace r1::pipeline {

struct TokenizerSettings {
  int64_t num_merges = 48;  // BPE merges learned on the world's corpus
};

template <class V>
void visit_fields(V& v, TokenizerSettings& c) {
  v.field("num_merges", c.num_merges, "BPE merges learned on a sample of the world's corpus", schema::at_least(0));
}

struct PretrainData {
  double think_fraction = 0.5;  // share of documents solved step by step inside <think>
  int64_t pack_length = 128;    // tokens per packed row; 0 = one document per row
};

template <class V>
void visit_fields(V& v, PretrainData& c) {
  using namespace r1::schema;
  v.field("think_fraction", c.think_fraction, "share of documents that solve the problem inside <think>", closed(0, 1));
  v.field("pack_length", c.pack_length, "tokens per packed training row; 0 = one document per row", at_least(0));
}

// Evaluation on the held-out problems of every task (never trained on), as every job measures it.
struct HeldoutEval {
  int64_t problems = 100;  // held out per task
  int64_t k = 4;           // samples per problem
  double temperature = 0.6;
  double top_p = 0.95;
  int64_t max_new_tokens = 64;
};

template <class V>
void visit_fields(V& v, HeldoutEval& c) {
  using namespace r1::schema;
  v.field("problems", c.problems, "problems held out per task: evaluated on, never trained on", at_least(1));
  v.field("k", c.k, "samples per problem (pass@1 is their mean; cons@k their majority vote)", at_least(1));
  v.field("temperature", c.temperature, "sampling temperature; 0 = greedy", at_least(0));
  v.field("top_p", c.top_p, "nucleus sampling", open_closed(0, 1));
  v.field("max_new_tokens", c.max_new_tokens, "tokens per response at most", at_least(1));
}

// What every embedded job shares.
struct JobConfig {
  std::string run_dir = "runs/demo";
  uint64_t seed = 1;
  dist::ThreadSettings threads{1, 1};  // 0 = library default; see dist/threads.h and bench/
  dist::DistConfig dist;               // data parallelism under torchrun / r1 launch (dist/runtime.h)
  ResumeMode resume = ResumeMode::kAuto;
  int64_t checkpoint_every = 250;    // pretraining and SFT steps between step checkpoints
  int64_t checkpoint_every_rl = 20;  // GRPO steps between step checkpoints
  std::vector<std::string> tasks = {"running_sum", "countdown"};
  tasks::TaskOptions task_options;
  std::string data_dir;  // benchmark files of `tasks`; "" = core/data_dir.h's search
  TokenizerSettings tokenizer;
  model::ModelConfig model;
  PretrainData pretrain_data;
  train::LmTrainConfig pretrain;
  HeldoutEval eval;
};

// `tasks` names a synthetic family or (with benchmark_files) a benchmark file of
// tasks/datasets/benchmarks.h; an r1::Error names the unknown one and lists the known.
void check_task_names(const std::vector<std::string>& tasks, bool benchmark_files);

// The keys of JobConfig, at the top level of a job's config. `benchmark_files`: `tasks` may name
// benchmark files (read from data_dir); otherwise only synthetic families, and there is no data_dir.
template <class V>
void visit_job_fields(V& v, JobConfig& c, bool benchmark_files) {
  using namespace r1::schema;
  v.field("run_dir", c.run_dir, "the run directory: config.json, metrics, checkpoints, the report", kNotResult);
  v.field("seed", c.seed, "the run's seed: every data stream, initialisation and sampling derives from it");
  v.field("threads", c.threads, "CPU thread pools", kNotResult);
  v.field("dist", c.dist, "data parallelism under torchrun / r1 launch: batch sizes are global");
  v.field("resume", c.resume,
          "a run directory that holds a run: auto and force continue from its checkpoints, never refuses it",
          kNotResult);
  v.field("checkpoint_every", c.checkpoint_every,
          "pretraining and SFT steps between step checkpoints a killed run continues from; 0 = only at the end",
          at_least(0) | kNotResult);
  v.field("checkpoint_every_rl", c.checkpoint_every_rl, "GRPO steps between step checkpoints; 0 = only at the end",
          at_least(0) | kNotResult);
  v.field("tasks", c.tasks,
          benchmark_files ? "task families (running_sum, countdown) or benchmark files (gsm8k_train, math500, ...)"
                          : "task families: running_sum, countdown",
          kRequired);
  v.field("task_options", c.task_options, "options of each synthetic task family");
  if (benchmark_files)
    v.field("data_dir", c.data_dir,
            "folder of the benchmark files; \"\" = $R1_DATA_DIR, the installed data, the source tree's data/",
            kNotResult);
  v.field("tokenizer", c.tokenizer, "the tiny world's byte-level BPE tokenizer");
  v.field("model", c.model, "the policy's architecture (vocab_size and BOS/EOS ids come from the tokenizer)");
  v.field("pretrain_data", c.pretrain_data, "the pretraining corpus");
  v.field("pretrain", c.pretrain, "pretraining: optimizer and schedule");
  v.field("eval", c.eval, "evaluation on the held-out problems");
  v.require_call("tasks", [&] { check_task_names(c.tasks, benchmark_files); });
  const int64_t context = c.model.max_position_embeddings;
  v.require(c.pretrain_data.pack_length <= context, "pretrain_data.pack_length",
            "must be at most model.max_position_embeddings (" + std::to_string(context) + "): a packed row is one "
            "training sequence");
  v.require(c.eval.max_new_tokens < context, "eval.max_new_tokens",
            "must be below model.max_position_embeddings (" + std::to_string(context) + "), which also holds the prompt");
}

// `r1 demo`, `r1 pretrain` and `r1 grpo`: R1-Zero in the tiny world.
struct R1ZeroConfig : JobConfig {
  rl::GrpoConfig rl;
};

template <class V>
void visit_fields(V& v, R1ZeroConfig& c) {
  visit_job_fields(v, c, /*benchmark_files=*/true);
  v.field("rl", c.rl, "GRPO with rule-based rewards");
  v.require(c.rl.max_new_tokens < c.model.max_position_embeddings, "rl.max_new_tokens",
            "must be below model.max_position_embeddings (" + std::to_string(c.model.max_position_embeddings) +
                "), which also holds the prompt");
}

// The demo policy's shape: model/presets.h's ~0.8M-parameter Qwen2 with 256 positions. With
// `--model.arch deepseek_v3` the same jobs run on MLA + MoE with DeepSeekV3Config's CPU-sized defaults.
model::ModelConfig tiny_model_defaults();

// The demo's defaults (every key `r1 demo` accepts).
R1ZeroConfig r1zero_defaults();

// An R1-Zero run's config.json (`r1 demo`, `r1 pretrain`, `r1 grpo` write one into the run dir) over
// the defaults, validated: what `r1 eval --heldout_of` and `r1 perplexity --heldout_of` read the
// job's tasks, task_options, seed and eval.problems from. A UsageError names the file and key at fault.
R1ZeroConfig read_r1zero_config(const std::string& path);

}  // namespace r1::pipeline
