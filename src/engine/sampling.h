// Token sampling: temperature, top-k, top-p, greedy; seeded and reproducible.
#pragma once
#include <ATen/ATen.h>

#include <cstdint>

namespace r1::engine {

// Config keys, ranges and docs: engine/sampling_schema.h (add every new field there).
struct SamplingParams {
  double temperature = 1.0;  // 0 = greedy
  double top_p = 1.0;        // nucleus: keep the smallest set with cumulative prob >= top_p
  int64_t top_k = 0;         // 0 = off
  int64_t max_new_tokens = 64;
  uint64_t seed = 0;
};

// logits [N, V] (any float dtype) -> token ids [N] (int64). Sampling draws argmax(p / E) with E
// ~ Exp(1), an exact categorical sample (the DeepSeek-V3 reference sampler's trick), from `gen`.
at::Tensor sample_tokens(const at::Tensor& logits, const SamplingParams& p, at::Generator& gen);

}  // namespace r1::engine
