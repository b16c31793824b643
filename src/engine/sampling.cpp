#include "engine/sampling.h"

#include <limits>

namespace r1::engine {

at::Tensor sampling_logprobs(const at::Tensor& logits_in, const SamplingParams& p) {
  auto logits = logits_in.to(at::kFloat);  // [N, V]
  if (p.temperature <= 0.0) return logits.log_softmax(-1);
  logits = logits / p.temperature;
  const double neg_inf = -std::numeric_limits<double>::infinity();
  if (p.top_k > 0 && p.top_k < logits.size(-1)) {
    auto kth = std::get<0>(logits.topk(p.top_k, -1)).narrow(-1, p.top_k - 1, 1);  // [N, 1]
    logits = logits.masked_fill(logits < kth, neg_inf);
  }
  if (p.top_p < 1.0) {
    auto [sorted, order] = logits.sort(-1, /*descending=*/true);
    auto probs = sorted.softmax(-1);
    // Drop a token when the tokens before it already reach top_p (the first token always stays).
    auto drop_sorted = (probs.cumsum(-1) - probs) >= p.top_p;
    auto drop = at::zeros_like(drop_sorted).scatter(-1, order, drop_sorted);
    logits = logits.masked_fill(drop, neg_inf);
  }
  return logits.log_softmax(-1);
}

at::Tensor exponential_noise(int64_t vocab, std::vector<at::Generator>& gens) {
  std::vector<at::Tensor> rows;
  rows.reserve(gens.size());
  for (auto& g : gens) rows.push_back(at::empty({vocab}, at::kFloat).exponential_(1.0, g));
  return at::stack(rows).clamp_min_(std::numeric_limits<float>::min());
}

at::Tensor sample_with_noise(const at::Tensor& logprobs, const at::Tensor& noise) {
  // p <= 1 and E >= FLT_MIN keep p / E finite; tokens outside the nucleus have p = 0 exactly.
  return (logprobs.exp() / noise).argmax(-1);
}

at::Tensor sample_tokens(const at::Tensor& logits, const SamplingParams& p, at::Generator& gen) {
  if (p.temperature <= 0.0) return logits.argmax(-1);
  auto logprobs = sampling_logprobs(logits, p);
  auto noise = at::empty_like(logprobs).exponential_(1.0, gen).clamp_min_(std::numeric_limits<float>::min());
  return sample_with_noise(logprobs, noise);
}

}  // namespace r1::engine
