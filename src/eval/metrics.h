// Sampling metrics of the R1 evaluation protocol, per problem (average over problems yourself).
// Torch-free; definitions follow lighteval (metrics/metrics_sample.py), checked against its test cases.
//
//   pass@1    mean correctness of the k samples (R1 reports pass@1 over k = 4..64 samples at T = 0.6)
//   pass@k    unbiased estimator 1 - C(n-c, k) / C(n, k) from n samples with c correct (Chen et al.
//             2021), product form 1 - prod_{i=n-c+1..n} (1 - k/i): no huge binomials
//   cons@k    (= maj@k) the answer most of the k samples agree on, judged once. Answers are
//             clustered by equivalence, not string equality ("0.5" and "\frac12" vote together);
//             ties go to the cluster whose first member came first, as lighteval's
//             max(answers, key=answers.count). Samples without an answer don't vote.
//   G-Pass@k_tau, mG-Pass@k  stability (Liu et al. 2024, "Are Your LLMs Capable of Stable
//             Reasoning?"): probability that at least ceil(tau*k) (at least 1) of k draws without
//             replacement from the n samples are correct; mG-Pass@k averages tau over (0.5, 1].
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace r1::eval {

// n samples, c correct, k <= n. 1 when n - c < k.
double pass_at_k(int64_t n, int64_t c, int64_t k);

// G-Pass@k_tau: P[X >= max(ceil(tau * k), 1)], X ~ Hypergeometric(n, c, k).
double g_pass_at_k(int64_t n, int64_t c, int64_t k, double tau);
// mG-Pass@k = (2/k) sum_{i = ceil(k/2)+1 .. k} G-Pass@k_{i/k}.
double mg_pass_at_k(int64_t n, int64_t c, int64_t k);

// The k values an eval reports pass@k for: powers of two <= k, and k itself.
std::vector<int64_t> pass_k_values(int64_t k);

using Equivalent = std::function<bool(const std::string& a, const std::string& b)>;

struct Vote {
  int64_t winner = -1;                // index of the first sample of the winning cluster; -1: nobody voted
  int64_t votes = 0;                  // size of the winning cluster
  std::vector<int64_t> cluster;       // per sample: its cluster id (clusters numbered by first appearance), -1 no answer
  int64_t clusters = 0;
};

// Majority vote over `answers` ("" = no answer). Each answer joins the first earlier cluster whose
// first member it is equivalent to (identical strings skip the comparison).
Vote majority_vote(const std::vector<std::string>& answers, const Equivalent& equivalent);

// cons@k of one problem, the definition every evaluation uses: 1 when the majority vote's winning
// cluster (its first member's verdict) is correct, 0 when it is wrong or nobody answered.
double cons_at_k(const std::vector<std::string>& answers, const std::vector<bool>& correct, const Equivalent& equivalent);

}  // namespace r1::eval
