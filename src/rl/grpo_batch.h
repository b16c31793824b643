// The training batch of a GRPO step and the log-probs the loss is taken on.
//
// Each sample becomes one right-padded row: its prompt ids (the forced response prefix included)
// followed by its sampled tokens (the EOS included when it stopped); the loss mask covers the
// sampled tokens only, so the prompt and the forced prefix are context, never trained on.
#pragma once
#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "rollout/scored_rollout.h"
#include "train/token_batch.h"

namespace r1::model {
class CausalLMImpl;
}

namespace r1::rl {

// Rows for samples[rows[k]] (each with its prompt, prompts[sample.prompt]), on `device`.
train::TokenBatch completion_batch(const std::vector<rollout::RolloutPrompt>& prompts,
                                   const std::vector<rollout::ScoredSample>& samples, const std::vector<size_t>& rows,
                                   int64_t pad_id, const at::Device& device);

// The engine's log-prob of each sampled token (ScoredSample::logprobs) at its place in `b`, the rows
// of completion_batch(prompts, samples, rows): [B, T] fp32, 0 off the completion. What the rollout
// mismatch (rl/rollout_mismatch.h) compares the trainer's log-probs with.
at::Tensor sampled_logprobs(const std::vector<rollout::RolloutPrompt>& prompts,
                            const std::vector<rollout::ScoredSample>& samples, const std::vector<size_t>& rows,
                            const train::TokenBatch& b);

// log π(target) [B, T] of every position of `b` under `m` at the sampling temperature (the engine's
// Completion::logprobs for the sampled positions when top-k/top-p are off), the padding marked as
// such in the forward so MoE routing ignores it.
at::Tensor completion_logprobs(model::CausalLMImpl& m, const train::TokenBatch& b, double temperature);

}  // namespace r1::rl
