// eval/perplexity.h against a naive reference: every position's distribution recomputed from its own
// prefix (a separate forward per prefix, not one pass over the sequence), softmax, KL, NLL and argmax
// written as scalar loops in double.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "eval/perplexity.h"
#include "model/quantize_model.h"
#include "common/tiny_model.h"

namespace r1::eval {
namespace {

constexpr int64_t kVocab = 40;

// log p(v) of the model's distribution after `prefix`, by loops in double.
std::vector<double> naive_logprobs(model::CausalLMImpl& m, const std::vector<int64_t>& prefix) {
  torch::NoGradGuard ng;
  const auto ids = torch::tensor(prefix, torch::kInt64).unsqueeze(0);
  const auto last = m.forward(ids)[0][-1].to(torch::kDouble).contiguous();  // [V]
  const double* l = last.data_ptr<double>();
  double mx = l[0];
  for (int64_t v = 1; v < kVocab; ++v) mx = std::max(mx, l[v]);
  double z = 0;
  for (int64_t v = 0; v < kVocab; ++v) z += std::exp(l[v] - mx);
  std::vector<double> out(kVocab);
  for (int64_t v = 0; v < kVocab; ++v) out[v] = l[v] - mx - std::log(z);
  return out;
}

int64_t argmax(const std::vector<double>& x) { return std::max_element(x.begin(), x.end()) - x.begin(); }

std::vector<std::vector<int64_t>> some_sequences() {
  std::vector<std::vector<int64_t>> seqs;
  for (int64_t n : {2, 7, 13, 20}) {
    std::vector<int64_t> s;
    for (int64_t t = 0; t < n; ++t) s.push_back((n * 11 + t * 7 + t * t) % kVocab);
    seqs.push_back(s);
  }
  return seqs;
}

// The quantized model a --quant int4 load gives (Q4_0 projections, Q8_0 head), through the
// portable reference kernel.
model::CausalLM int4_copy(const model::CausalLMImpl& m) {
  auto q = model::clone_model(m);
  model::QuantizeOptions opt;
  opt.type = kernels::QuantType::q4_0;
  opt.head_type = kernels::QuantType::q8_0;
  opt.linear.kernel = kernels::resolve_kernel({"reference", "q8_0"}, "perplexity_test");
  model::quantize_for_inference(*q, opt);
  return q;
}

TEST(Perplexity, KlDivergenceEqualsNaivePerPrefixReference) {
  auto base = test::tiny_qwen2(kVocab, 32, 5);
  auto test_model = int4_copy(*base);
  const auto seqs = some_sequences();
  const auto r = kl_divergence(*base, *test_model, seqs);

  std::vector<double> kl;
  double nll_b = 0, nll_t = 0;
  int64_t same = 0, tokens = 0;
  for (const auto& s : seqs)
    for (size_t t = 0; t + 1 < s.size(); ++t) {
      const std::vector<int64_t> prefix(s.begin(), s.begin() + t + 1);
      const auto lb = naive_logprobs(*base, prefix), lt = naive_logprobs(*test_model, prefix);
      double k = 0;
      for (int64_t v = 0; v < kVocab; ++v) k += std::exp(lb[v]) * (lb[v] - lt[v]);
      kl.push_back(k);
      nll_b -= lb[s[t + 1]];
      nll_t -= lt[s[t + 1]];
      same += argmax(lb) == argmax(lt);
      ++tokens;
    }
  ASSERT_EQ(r.kl.size(), kl.size());
  ASSERT_EQ(r.base.tokens, tokens);
  EXPECT_EQ(r.base.sequences, 4);
  for (size_t i = 0; i < kl.size(); ++i) EXPECT_NEAR(r.kl[i], kl[i], 1e-6 + 1e-4 * kl[i]) << "position " << i;
  double mean = 0;
  for (double v : kl) mean += v / kl.size();
  EXPECT_GT(mean, 0.0);  // int4 really differs from fp32
  EXPECT_NEAR(r.mean_kl(), mean, 1e-6 + 1e-4 * mean);
  EXPECT_NEAR(r.base.perplexity(), std::exp(nll_b / tokens), 1e-4);
  EXPECT_NEAR(r.test.perplexity(), std::exp(nll_t / tokens), 1e-4);
  EXPECT_EQ(r.same_top, same);
  auto sorted = kl;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_NEAR(r.kl_quantile(1.0), sorted.back(), 1e-6 + 1e-4 * sorted.back());
  EXPECT_NEAR(r.kl_quantile(0.0), sorted.front(), 1e-6 + 1e-4 * std::abs(sorted.front()));
  double var = 0;
  for (double v : kl) var += (v - mean) * (v - mean) / (kl.size() - 1);
  EXPECT_NEAR(r.kl_std_error(), std::sqrt(var / kl.size()), 1e-6 + 1e-3 * std::sqrt(var / kl.size()));

  // The perplexity pass alone gives the same NLL as the test side of the comparison.
  const auto p = perplexity(*test_model, seqs);
  EXPECT_EQ(p.tokens, tokens);
  EXPECT_NEAR(p.nll_sum, r.test.nll_sum, 1e-9 * std::abs(p.nll_sum));
}

TEST(Perplexity, SameModelHasZeroDivergence) {
  auto base = test::tiny_qwen2(kVocab, 32, 6);
  const auto r = kl_divergence(*base, *base, some_sequences());
  EXPECT_NEAR(r.mean_kl(), 0.0, 1e-12);
  EXPECT_EQ(r.same_top_rate(), 1.0);
  EXPECT_DOUBLE_EQ(r.base.perplexity(), r.test.perplexity());
}

TEST(Perplexity, RefusesSequencesItCannotScore) {
  auto base = test::tiny_qwen2(kVocab, 8, 7);
  EXPECT_THROW(perplexity(*base, {{3}}), Error);                          // nothing to predict
  EXPECT_THROW(perplexity(*base, {{1, 2, 3, 4, 5, 6, 7, 8, 9}}), Error);  // past the context
  EXPECT_THROW(perplexity(*base, {{1, kVocab}}), Error);                  // outside the vocabulary
  auto other = test::tiny_qwen2(kVocab + 1, 8, 7);
  EXPECT_THROW(kl_divergence(*base, *other, {{1, 2}}), Error);            // different vocabularies
}

}  // namespace
}  // namespace r1::eval
