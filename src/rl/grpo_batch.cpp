#include "rl/grpo_batch.h"

#include "model/causal_lm.h"
#include "rl/grpo_loss.h"

namespace r1::rl {

train::TokenBatch completion_batch(const std::vector<rollout::RolloutPrompt>& prompts,
                                   const std::vector<rollout::ScoredSample>& samples, const std::vector<size_t>& rows,
                                   int64_t pad_id, const at::Device& device) {
  std::vector<train::Example> examples;
  examples.reserve(rows.size());
  for (size_t r : rows) {
    const auto& s = samples[r];
    train::Example e;
    e.ids = prompts[s.prompt].ids;
    e.loss_mask.assign(e.ids.size(), 0);
    e.ids.insert(e.ids.end(), s.tokens.begin(), s.tokens.end());
    e.loss_mask.resize(e.ids.size(), 1);
    examples.push_back(std::move(e));
  }
  return train::make_batch(examples, pad_id, device);
}

at::Tensor completion_logprobs(model::CausalLMImpl& m, const train::TokenBatch& b, double temperature) {
  return token_logprobs(m.forward(b.inputs, nullptr, b.valid), b.targets, temperature);
}

}  // namespace r1::rl
