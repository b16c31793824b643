// Batched generation on the Engine (engine.h): every prompt is one request of `samples_per_prompt`
// choices, all admitted together (one batched prefill, each prompt's cache rows fanned out to its
// completions: a GRPO group shares one prefill); a row leaves the batch the step it ends.
// use_cache = false is the reference path: rows in lockstep, the whole sequence recomputed per step.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/sampling.h"

namespace r1::model {
class CausalLMImpl;
}

namespace r1::engine {

struct GenerationConfig {
  SamplingParams sampling;
  // One seed per completion row (prompts x samples_per_prompt, grouped by prompt): row r's tokens
  // are drawn from a generator of its own, so a sample does not depend on which batch it sits in or
  // on its neighbours. Empty: row r is seeded by derive_seed(sampling.seed, "generate", {r}).
  std::vector<uint64_t> row_seeds;
  std::vector<int32_t> stop_token_ids;  // a row stops after emitting one of these (kept in its tokens)
  bool use_cache = true;                // false: recompute the whole sequence every step (reference path)
  // Engines run side by side in this many threads, each at one ATen thread, prompts split between
  // them in contiguous shares (bench/README.md's thread policy). Tokens do not depend on it.
  int64_t workers = 1;
  int64_t pad_token_id = 0;
};

struct Completion {
  int64_t prompt_index = 0;
  std::vector<int32_t> tokens;  // generated ids, including the stop token when one was emitted
  // Per token of `tokens`: its log-prob under the distribution it was drawn from (sampling.h's
  // sampling_logprobs: temperature, top-k, top-p) — what rollout/training mismatch corrections need.
  std::vector<float> logprobs;
  bool stopped = false;         // true: ended on a stop token; false: hit max_new_tokens
};

struct GenerationStats {
  int64_t prompt_tokens = 0;     // prefilled (once per prompt)
  int64_t generated_tokens = 0;  // sampled, summed over rows
  double seconds = 0.0;
};

// Returns prompts.size() * samples_per_prompt completions, grouped by prompt (prompt i's samples
// are at [i * G, (i + 1) * G)). Runs under NoGradGuard.
std::vector<Completion> generate(model::CausalLMImpl& model, const std::vector<std::vector<int32_t>>& prompts,
                                 int64_t samples_per_prompt, const GenerationConfig& cfg,
                                 GenerationStats* stats = nullptr);

}  // namespace r1::engine
