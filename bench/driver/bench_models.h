// The models `make bench` measures, as checkpoint directories both r1cpp and the peers load: the
// same weights on both sides. Each is a Qwen2 (the family the demo trains) with seeded random
// weights; the shapes are those issue 10's goals name.
#pragma once
#include <string>
#include <vector>

#include "model/model_config.h"

namespace r1::bench {

struct BenchModel {
  std::string name;           // directory name under the models folder
  std::string purpose;        // one line for the table's notes
  model::ModelConfig config;
  // >= 0: this token's output row (the tied embedding row) is zeroed, so its logit is exactly 0 and
  // sampling at T = 1 stops a row with probability ~1 / (V * E[exp(logit)]) per step: about half
  // the rows of 256 steps stop early, the rest run to the end (the long rollout shape).
  int64_t zero_logit_token = -1;
  uint64_t seed = 1;
};

// demo (the demo's shape, ~0.83M parameters), demo_long (the same shape with a 1024-position context
// and a stop token for varied stop positions), parity (the same shape with large weights, whose greedy
// continuations check the llama.cpp peer), train25m (>= 25M parameters, for MFU) and qwen05b
// (Qwen2.5-0.5B's shape, for batch-1 decode).
const std::vector<BenchModel>& bench_models();
const BenchModel& bench_model(const std::string& name);

// Writes DIR/<name> (config.json + model.safetensors) unless it already holds this exact config.
// Returns true when it wrote.
bool write_bench_model(const BenchModel& m, const std::string& models_dir);

}  // namespace r1::bench
