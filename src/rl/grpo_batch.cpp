#include "rl/grpo_batch.h"

#include <algorithm>

#include "core/error.h"
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

at::Tensor sampled_logprobs(const std::vector<rollout::RolloutPrompt>& prompts,
                            const std::vector<rollout::ScoredSample>& samples, const std::vector<size_t>& rows,
                            const train::TokenBatch& b) {
  const int64_t T = b.targets.size(1);
  std::vector<float> out(rows.size() * T, 0.0f);
  for (size_t k = 0; k < rows.size(); ++k) {
    const auto& s = samples[rows[k]];
    check(s.logprobs.size() == s.tokens.size(), "sampled_logprobs", "a sample without one log-prob per token");
    // targets are ids[1:], so the first sampled token is the target at position |prompt| - 1.
    const int64_t first = static_cast<int64_t>(prompts[s.prompt].ids.size()) - 1;
    check(first >= 0 && first + static_cast<int64_t>(s.tokens.size()) <= T, "sampled_logprobs", "row out of the batch");
    std::copy(s.logprobs.begin(), s.logprobs.end(), out.begin() + k * T + first);
  }
  return at::tensor(out).view({static_cast<int64_t>(rows.size()), T}).to(b.targets.device());
}

at::Tensor completion_logprobs(model::CausalLMImpl& m, const train::TokenBatch& b, double temperature) {
  return token_logprobs(m.forward(b.inputs, nullptr, b.valid), b.targets, temperature);
}

}  // namespace r1::rl
