// Token sampling: temperature, top-k, top-p, greedy; seeded and reproducible.
//
// The distribution a token is sampled from is softmax(logits / T) restricted to the top-k tokens and
// the top-p nucleus and renormalised (vLLM's "processed" distribution). Sampling draws argmax(p / E)
// with E ~ Exp(1) per token, an exact categorical sample (the Gumbel-max trick in exponential form,
// as DeepSeek-V3's reference sampler does).
#pragma once
#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace r1::engine {

// Config keys, ranges and docs: engine/sampling_schema.h (add every new field there).
struct SamplingParams {
  double temperature = 1.0;  // 0 = greedy
  double top_p = 1.0;        // nucleus: keep the smallest set with cumulative prob >= top_p
  int64_t top_k = 0;         // 0 = off
  int64_t max_new_tokens = 64;
  uint64_t seed = 0;
};

// logits [N, V] -> log-probs [N, V] (fp32) of the distribution tokens are drawn from: log_softmax of
// logits / T with the tokens outside top-k / top-p at -inf. Greedy (T <= 0) is a point mass at the
// argmax; its log-probs are those of softmax(logits) (T = 1), which is what a trainer recomputes.
at::Tensor sampling_logprobs(const at::Tensor& logits, const SamplingParams& p);

// Exp(1) noise [N, V] (fp32), row r drawn from gens[r] (N = gens.size()), so a row's draw does not
// depend on the other rows. Values are at least FLT_MIN: an exact 0 (an Exp(1) draw of -log(1 - u)
// at u = 0; some MKL builds of libtorch return it) would make p / E = 0 / 0 for every token outside
// the nucleus and let argmax pick one of them.
at::Tensor exponential_noise(int64_t vocab, std::vector<at::Generator>& gens);

// log-probs [N, V] from sampling_logprobs + noise [N, V] -> token ids [N] (int64): argmax(p / E).
at::Tensor sample_with_noise(const at::Tensor& logprobs, const at::Tensor& noise);

// logits [N, V] (any float dtype) -> token ids [N] (int64), every row's noise drawn from `gen` in
// row order.
at::Tensor sample_tokens(const at::Tensor& logits, const SamplingParams& p, at::Generator& gen);

}  // namespace r1::engine
