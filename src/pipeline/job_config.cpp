#include "pipeline/job_config.h"

#include <algorithm>

#include "core/cli.h"
#include "core/error.h"
#include "model/presets.h"
#include "tasks/datasets/benchmarks.h"

namespace r1::pipeline {

void check_task_names(const std::vector<std::string>& names, bool benchmark_files) {
  const auto& synthetic = tasks::synthetic_task_names();
  for (const auto& name : names) {
    if (std::find(synthetic.begin(), synthetic.end(), name) != synthetic.end()) continue;
    if (benchmark_files && tasks::is_dataset_benchmark(name)) continue;
    std::vector<std::string> known = synthetic;
    if (benchmark_files) known.insert(known.end(), tasks::dataset_benchmark_names().begin(), tasks::dataset_benchmark_names().end());
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw Error("", "unknown task '" + name + "'" + schema::suggest_key(name, known, /*as_option=*/false) +
                        " (known: " + list + (benchmark_files ? "; benchmark files are read from data_dir)" : ")"));
  }
}

model::ModelConfig tiny_model_defaults() {
  model::ModelConfig m = model::tiny_qwen2(/*vocab_size=*/0);  // 0: the tokenizer's
  m.max_position_embeddings = 256;
  return m;
}

R1ZeroConfig r1zero_defaults() {
  R1ZeroConfig c;
  // Seed 2, measured: with core/seed's streams, seed 1's base never learns the running sum within the
  // pretraining budget (forced-think pass@1 0.13 after 1500 steps, 0.12 after 2000), seed 2's does
  // (0.998). The tiny world sits near a phase transition; issue 13 is about making it robust to seeds.
  c.seed = 2;
  c.task_options.running_sum = {/*terms=*/4, /*max_digit=*/9, /*modulus=*/10};
  c.task_options.countdown = {/*numbers=*/3, /*max_number=*/9, /*max_target=*/99, /*max_failed_tries=*/2};
  c.model = tiny_model_defaults();
  c.pretrain.steps = 1500;  // 1000 left the base unable to add reliably (think pass@1 0.11); 1200 reached 0.99
  c.pretrain.batch_size = 18;  // rows of 128 packed tokens: ~2.3k tokens a step
  c.pretrain.lr = 3e-3;
  c.pretrain.warmup_steps = 50;
  return c;
}

R1ZeroConfig read_r1zero_config(const std::string& path) {
  R1ZeroConfig c = r1zero_defaults();
  schema::Sources sources;
  schema::read_json(c, cli::read_config_file(path), "config file " + path, &sources);
  schema::validate(c, &sources);
  return c;
}

}  // namespace r1::pipeline
