// Perplexity of a model over token sequences, and the divergence of a test model's next-token
// distributions from a base model's over the same sequences — what llama.cpp's `llama-perplexity`
// reports, with `--kl-divergence` for a quantized model against its full-precision base.
//
// Every position t < T-1 of a sequence [T] is scored: the model's distribution after tokens 0..t
// predicts token t+1. Per position: the negative log-likelihood -log p(x_{t+1}) (base and test), the
// KL(base || test) = sum_v p_base(v) (log p_base(v) - log p_test(v)) in nats, and whether the two
// argmaxes agree. Sequences are scored one at a time with one full forward each (no KV cache), so
// the sums are those of a teacher-forced pass.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace r1::model {
class CausalLMImpl;
}

namespace r1::eval {

struct PerplexityResult {
  int64_t sequences = 0;
  int64_t tokens = 0;     // positions scored: sum of (T - 1)
  double nll_sum = 0;     // sum of -log p(next token), nats
  double perplexity() const;  // exp(nll_sum / tokens)
};

PerplexityResult perplexity(model::CausalLMImpl& model, const std::vector<std::vector<int64_t>>& sequences);

struct KlDivergenceResult {
  PerplexityResult base, test;
  std::vector<double> kl;  // KL(base || test) per scored position, in sequence order
  int64_t same_top = 0;    // positions whose argmax agrees
  double mean_kl() const;
  double kl_std_error() const;           // standard error of the mean
  double kl_quantile(double q) const;    // q in [0, 1], nearest rank over the sorted values
  double same_top_rate() const;          // same_top / positions
  // {sequences, tokens, ppl_base, ppl_test, mean_kl, kl_std_error, kl_median, kl_p99, kl_max,
  // same_top}: what `r1 perplexity --kl_divergence` prints.
  nlohmann::json to_json() const;
};

// Both models must share the vocabulary; each sequence needs at least 2 tokens and fits the
// context of both (an r1::Error naming the sequence otherwise).
KlDivergenceResult kl_divergence(model::CausalLMImpl& base, model::CausalLMImpl& test,
                                 const std::vector<std::vector<int64_t>>& sequences);

}  // namespace r1::eval
