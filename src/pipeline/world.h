// The tiny world of the embedded jobs (`r1 demo`, `r1 pipeline`): verifiable task families, the
// byte-level BPE tokenizer trained on their corpus (saved as RUN_DIR/tokenizer.json), the held-out
// problems every evaluation uses, and the small model built for it from the job config.
#pragma once
#include <nlohmann/json.hpp>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "eval/task_eval.h"
#include "model/causal_lm.h"
#include "tasks/task.h"
#include "text/tokenizer.h"

namespace r1::pipeline {

struct World {
  std::vector<std::unique_ptr<tasks::Task>> tasks;
  text::Tokenizer tokenizer;
  eval::TextCodec codec;
  std::vector<std::vector<tasks::Problem>> heldout;  // per task
  std::unordered_set<std::string> heldout_questions;
  double think_fraction = 0.5;
  // Optional general (non-reasoning) documents mixed into pretraining (`r1 pipeline`): a share
  // general_fraction of the documents, each drawn from this source.
  std::function<std::string(tasks::Rng&)> general_document;
  double general_fraction = 0.0;

  // A training problem of task t that is not held out.
  tasks::Problem sample_train(size_t t, tasks::Rng& rng) const;
  // "User: …\nAssistant: <solution>" — thinking with probability think_fraction.
  std::string document(const tasks::Problem& p, size_t t, tasks::Rng& rng) const;
};

// Tasks from config keys `tasks` / `task_options`, `eval.problems` held-out problems per task (a
// seed of their own), and the tokenizer: RUN_DIR/tokenizer.json when it exists, else trained on a
// sample of the corpus (`tokenizer.num_merges`) and saved there.
World build_world(const nlohmann::json& cfg, const std::string& run_dir);

// The demo policy's shape: a ~0.8M-parameter Qwen2-style model whose DeepSeek-V3 fields carry the
// CPU-sized MLA + MoE shape of model/presets.h, so `--model.arch deepseek_v3` runs the same jobs.
model::ModelConfig tiny_model_defaults();

// A freshly initialised model of config key `model`, sized to the world's vocabulary.
model::CausalLM build_model(const nlohmann::json& cfg, const World& w);

}  // namespace r1::pipeline
