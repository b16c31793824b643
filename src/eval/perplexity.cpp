#include "eval/perplexity.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "model/causal_lm.h"

namespace r1::eval {

namespace {

std::string seq_name(size_t i) { return "sequence " + std::to_string(i); }

void check_sequence(const model::CausalLMImpl& m, const std::vector<int64_t>& s, size_t i, const char* which) {
  const auto& mc = m.config();
  check(s.size() >= 2, seq_name(i), "has fewer than 2 tokens: nothing to predict");
  check(static_cast<int64_t>(s.size()) <= mc.max_position_embeddings, seq_name(i),
        std::to_string(s.size()) + " tokens exceed the " + which + " model's context of " +
            std::to_string(mc.max_position_embeddings));
  for (auto t : s)
    check(t >= 0 && t < mc.vocab_size, seq_name(i),
          "token id " + std::to_string(t) + " is outside the " + which + " model's vocabulary");
}

// log-softmax of the predictions for positions 1..T-1 of `s`: [T-1, V] float64, and the targets [T-1].
std::pair<torch::Tensor, torch::Tensor> next_token_logprobs(model::CausalLMImpl& m, const std::vector<int64_t>& s) {
  const auto ids = torch::tensor(s, torch::kInt64).unsqueeze(0);          // [1, T]
  const auto logits = m.forward(ids)[0].slice(0, 0, -1).to(torch::kDouble);  // [T-1, V]
  return {torch::log_softmax(logits, -1), ids[0].slice(0, 1)};
}

void add_nll(PerplexityResult& r, const torch::Tensor& logp, const torch::Tensor& targets) {
  r.sequences += 1;
  r.tokens += targets.size(0);
  r.nll_sum -= logp.gather(1, targets.unsqueeze(1)).sum().item<double>();
}

}  // namespace

double PerplexityResult::perplexity() const { return tokens ? std::exp(nll_sum / tokens) : 0.0; }

PerplexityResult perplexity(model::CausalLMImpl& model, const std::vector<std::vector<int64_t>>& sequences) {
  torch::NoGradGuard ng;
  PerplexityResult r;
  for (size_t i = 0; i < sequences.size(); ++i) {
    check_sequence(model, sequences[i], i, "scored");
    auto [logp, targets] = next_token_logprobs(model, sequences[i]);
    add_nll(r, logp, targets);
  }
  return r;
}

KlDivergenceResult kl_divergence(model::CausalLMImpl& base, model::CausalLMImpl& test,
                                 const std::vector<std::vector<int64_t>>& sequences) {
  check(base.config().vocab_size == test.config().vocab_size, "kl_divergence",
        "the base and test models have different vocabularies (" + std::to_string(base.config().vocab_size) +
            " vs " + std::to_string(test.config().vocab_size) + ")");
  torch::NoGradGuard ng;
  KlDivergenceResult r;
  for (size_t i = 0; i < sequences.size(); ++i) {
    check_sequence(base, sequences[i], i, "base");
    check_sequence(test, sequences[i], i, "test");
    auto [lb, targets] = next_token_logprobs(base, sequences[i]);  // [T-1, V]
    auto lt = next_token_logprobs(test, sequences[i]).first;
    add_nll(r.base, lb, targets);
    add_nll(r.test, lt, targets);
    const auto kl = (lb.exp() * (lb - lt)).sum(-1).contiguous();  // [T-1]
    const double* k = kl.data_ptr<double>();
    r.kl.insert(r.kl.end(), k, k + kl.numel());
    r.same_top += lb.argmax(-1).eq(lt.argmax(-1)).sum().item<int64_t>();
  }
  return r;
}

double KlDivergenceResult::mean_kl() const {
  double s = 0;
  for (double v : kl) s += v;
  return kl.empty() ? 0.0 : s / kl.size();
}

double KlDivergenceResult::kl_std_error() const {
  if (kl.size() < 2) return 0.0;
  const double m = mean_kl();
  double ss = 0;
  for (double v : kl) ss += (v - m) * (v - m);
  return std::sqrt(ss / (kl.size() - 1) / kl.size());
}

double KlDivergenceResult::kl_quantile(double q) const {
  if (kl.empty()) return 0.0;
  std::vector<double> s = kl;
  std::sort(s.begin(), s.end());
  const auto i = static_cast<size_t>(std::llround(q * (s.size() - 1)));
  return s[std::min(i, s.size() - 1)];
}

double KlDivergenceResult::same_top_rate() const { return kl.empty() ? 0.0 : double(same_top) / kl.size(); }

nlohmann::json KlDivergenceResult::to_json() const {
  return {{"sequences", base.sequences}, {"tokens", base.tokens},
          {"ppl_base", base.perplexity()}, {"ppl_test", test.perplexity()},
          {"mean_kl", mean_kl()},          {"kl_std_error", kl_std_error()},
          {"kl_median", kl_quantile(0.5)}, {"kl_p99", kl_quantile(0.99)},
          {"kl_max", kl_quantile(1.0)},    {"same_top", same_top_rate()}};
}

}  // namespace r1::eval
