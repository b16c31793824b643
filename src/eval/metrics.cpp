#include "eval/metrics.h"

#include <cmath>

#include "core/error.h"

namespace r1::eval {

double pass_at_k(int64_t n, int64_t c, int64_t k) {
  check(n >= 1 && c >= 0 && c <= n && k >= 1 && k <= n, "pass@k",
        "needs 0 <= c <= n and 1 <= k <= n (n=" + std::to_string(n) + " c=" + std::to_string(c) +
            " k=" + std::to_string(k) + ")");
  if (n - c < k) return 1.0;
  double miss = 1.0;  // C(n-c, k) / C(n, k)
  for (int64_t i = n - c + 1; i <= n; ++i) miss *= 1.0 - static_cast<double>(k) / static_cast<double>(i);
  return 1.0 - miss;
}

namespace {

double log_choose(int64_t n, int64_t r) {
  return std::lgamma(n + 1.0) - std::lgamma(r + 1.0) - std::lgamma(n - r + 1.0);
}

// P[X >= m], X ~ Hypergeometric(population n, successes c, draws k).
double hypergeom_at_least(int64_t n, int64_t c, int64_t k, int64_t m) {
  if (m > std::min(c, k)) return 0.0;
  double total = 0.0, denom = log_choose(n, k);
  for (int64_t j = m; j <= std::min(c, k); ++j) {
    if (k - j > n - c) continue;
    total += std::exp(log_choose(c, j) + log_choose(n - c, k - j) - denom);
  }
  return std::min(1.0, total);
}

}  // namespace

double g_pass_at_k(int64_t n, int64_t c, int64_t k, double tau) {
  check(n >= 1 && c >= 0 && c <= n && k >= 1 && k <= n, "G-Pass@k", "needs 0 <= c <= n and 1 <= k <= n");
  int64_t m = std::max<int64_t>(static_cast<int64_t>(std::ceil(k * tau - 1e-12)), 1);
  return hypergeom_at_least(n, c, k, m);
}

double mg_pass_at_k(int64_t n, int64_t c, int64_t k) {
  check(n >= 1 && c >= 0 && c <= n && k >= 1 && k <= n, "mG-Pass@k", "needs 0 <= c <= n and 1 <= k <= n");
  int64_t lo = static_cast<int64_t>(std::ceil(k * 0.5));
  double sum = 0.0;
  for (int64_t i = lo + 1; i <= k; ++i) sum += hypergeom_at_least(n, c, k, i);
  return 2.0 * sum / static_cast<double>(k);
}

std::vector<int64_t> pass_k_values(int64_t k) {
  std::vector<int64_t> out;
  for (int64_t p = 1; p <= k; p *= 2) out.push_back(p);
  if (out.empty() || out.back() != k) out.push_back(k);
  return out;
}

Vote majority_vote(const std::vector<std::string>& answers, const Equivalent& equivalent) {
  Vote v;
  v.cluster.assign(answers.size(), -1);
  std::vector<int64_t> first, size;  // per cluster: first sample, members
  for (size_t i = 0; i < answers.size(); ++i) {
    if (answers[i].empty()) continue;
    int64_t found = -1;
    for (size_t c = 0; c < first.size() && found < 0; ++c) {
      const std::string& rep = answers[first[c]];
      if (rep == answers[i] || equivalent(rep, answers[i])) found = static_cast<int64_t>(c);
    }
    if (found < 0) {
      found = static_cast<int64_t>(first.size());
      first.push_back(static_cast<int64_t>(i));
      size.push_back(0);
    }
    v.cluster[i] = found;
    ++size[found];
  }
  v.clusters = static_cast<int64_t>(first.size());
  for (size_t c = 0; c < first.size(); ++c)
    if (size[c] > v.votes) {  // strict: an earlier cluster keeps a tie
      v.votes = size[c];
      v.winner = first[c];
    }
  return v;
}

double cons_at_k(const std::vector<std::string>& answers, const std::vector<bool>& correct, const Equivalent& equivalent) {
  check(answers.size() == correct.size(), "cons@k", "one verdict per answer");
  const Vote v = majority_vote(answers, equivalent);
  return v.winner >= 0 && correct[v.winner] ? 1.0 : 0.0;
}

}  // namespace r1::eval
