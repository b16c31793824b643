#include "engine/sampling.h"

#include <limits>

namespace r1::engine {

at::Tensor sample_tokens(const at::Tensor& logits_in, const SamplingParams& p, at::Generator& gen) {
  if (p.temperature <= 0.0) return logits_in.argmax(-1);
  auto logits = logits_in.to(at::kFloat) / p.temperature;  // [N, V]
  const double neg_inf = -std::numeric_limits<double>::infinity();
  if (p.top_k > 0 && p.top_k < logits.size(-1)) {
    auto kth = std::get<0>(logits.topk(p.top_k, -1)).narrow(-1, p.top_k - 1, 1);  // [N, 1]
    logits = logits.masked_fill(logits < kth, neg_inf);
  }
  if (p.top_p < 1.0) {
    auto [sorted, order] = logits.sort(-1, /*descending=*/true);
    auto cum = sorted.softmax(-1).cumsum(-1);
    // Drop a token when the tokens before it already reach top_p (the first token always stays).
    auto drop_sorted = (cum - sorted.softmax(-1)) >= p.top_p;
    auto drop = at::zeros_like(drop_sorted).scatter(-1, order, drop_sorted);
    logits = logits.masked_fill(drop, neg_inf);
  }
  auto probs = logits.softmax(-1);
  auto noise = at::empty_like(probs).exponential_(1.0, gen);
  return (probs / noise).argmax(-1);
}

}  // namespace r1::engine
