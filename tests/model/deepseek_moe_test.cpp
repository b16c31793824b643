// DeepSeekMoE against a straightforward per-token reference written from R1_SPEC §6.5: the gate,
// group-limited routing, sorted dispatch, the auxiliary-loss-free bias update, and padding (which
// must change neither the loads, nor the bias update, nor the balance loss).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "model/moe.h"
#include "model/presets.h"

using namespace r1::model;

namespace {

constexpr int64_t kHidden = 24;

DeepSeekV3Config moe_config() {
  auto c = *tiny_deepseek_v3(64).deepseek_v3;
  c.moe_intermediate_size = 12;
  return c;  // 8 routed experts in 4 groups, 2 groups kept, 2 experts per token, 1 shared
}

void randomize(MoEImpl& moe, double bias_scale) {
  torch::NoGradGuard ng;
  for (auto& p : moe.parameters()) p.normal_(0.0, 0.3);
  moe.gate->e_score_correction_bias.normal_(0.0, bias_scale);
}

// Indices of the k largest of v (ties to the lower index).
std::vector<int64_t> top(const std::vector<double>& v, int64_t k) {
  std::vector<int64_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return v[a] > v[b]; });
  idx.resize(k);
  return idx;
}

struct TokenChoice {
  std::vector<int64_t> experts, groups;
  std::vector<double> weights;
};

// noaux_tc routing of one token, one scalar at a time.
TokenChoice reference_route(const DeepSeekV3Config& cfg, const torch::Tensor& gate_w, const torch::Tensor& bias,
                            const torch::Tensor& x) {
  const int64_t E = cfg.n_routed_experts, per = E / cfg.n_group;
  std::vector<double> s(E), biased(E);
  for (int64_t e = 0; e < E; ++e) {
    double logit = (gate_w[e] * x).sum().item<double>();
    s[e] = 1.0 / (1.0 + std::exp(-logit));
    biased[e] = s[e] + bias[e].item<double>();
  }
  std::vector<double> group_score(cfg.n_group);
  for (int64_t g = 0; g < cfg.n_group; ++g) {
    std::vector<double> in(biased.begin() + g * per, biased.begin() + (g + 1) * per);
    std::sort(in.rbegin(), in.rend());
    group_score[g] = in[0] + in[1];
  }
  TokenChoice c;
  c.groups = top(group_score, cfg.topk_group);
  std::vector<double> allowed(E, -1e300);
  for (int64_t g : c.groups)
    for (int64_t e = g * per; e < (g + 1) * per; ++e) allowed[e] = biased[e];
  c.experts = top(allowed, cfg.num_experts_per_tok);
  double sum = 0;
  for (int64_t e : c.experts) sum += s[e];
  for (int64_t e : c.experts) c.weights.push_back(s[e] / sum * cfg.routed_scaling_factor);
  return c;
}

}  // namespace

TEST(DeepSeekMoE, MatchesPerTokenLoopReference) {
  auto cfg = moe_config();
  MoE moe(kHidden, cfg);
  moe->to(torch::kFloat64);
  EXPECT_EQ(moe->gate->e_score_correction_bias.scalar_type(), torch::kFloat32);  // stays fp32
  torch::manual_seed(1);
  randomize(*moe, 0.2);
  torch::NoGradGuard ng;
  auto x = torch::randn({3, 7, kHidden}, torch::kFloat64);
  auto y = moe->forward(x);
  auto flat = x.view({-1, kHidden});
  std::vector<int64_t> load(cfg.n_routed_experts, 0);
  for (int64_t n = 0; n < flat.size(0); ++n) {
    auto xn = flat[n];
    auto c = reference_route(cfg, moe->gate->weight, moe->gate->e_score_correction_bias, xn);
    auto expect = moe->shared_experts(xn.unsqueeze(0)).squeeze(0);
    for (size_t k = 0; k < c.experts.size(); ++k) {
      auto* expert = moe->experts[c.experts[k]]->as<SwiGLUImpl>();
      expect = expect + c.weights[k] * expert->forward(xn.unsqueeze(0)).squeeze(0);
      ++load[c.experts[k]];
    }
    EXPECT_TRUE(torch::allclose(y.view({-1, kHidden})[n], expect, 1e-10, 1e-12)) << "token " << n;
  }
  for (int64_t e = 0; e < cfg.n_routed_experts; ++e) EXPECT_EQ(moe->last_load()[e].item<int64_t>(), load[e]);
}

TEST(DeepSeekMoE, GroupLimitedRoutingPicksOnlyFromKeptGroups) {
  auto cfg = moe_config();
  MoE moe(kHidden, cfg);
  torch::manual_seed(2);
  randomize(*moe, 0.3);
  torch::NoGradGuard ng;
  auto x = torch::randn({400, kHidden});
  auto r = moe->route(x);
  const int64_t per = cfg.n_routed_experts / cfg.n_group;
  int64_t would_leave = 0;  // tokens whose unrestricted top-k reaches a dropped group
  for (int64_t n = 0; n < x.size(0); ++n) {
    auto c = reference_route(cfg, moe->gate->weight, moe->gate->e_score_correction_bias, x[n]);
    for (int64_t k = 0; k < cfg.num_experts_per_tok; ++k) {
      int64_t e = r.indices[n][k].item<int64_t>();
      EXPECT_NE(std::find(c.groups.begin(), c.groups.end(), e / per), c.groups.end())
          << "token " << n << " routed to expert " << e << " outside the kept groups";
    }
    auto biased = (r.scores[n] + moe->gate->e_score_correction_bias).contiguous();
    auto unrestricted = std::get<1>(biased.topk(cfg.num_experts_per_tok));
    for (int64_t k = 0; k < cfg.num_experts_per_tok; ++k) {
      int64_t g = unrestricted[k].item<int64_t>() / per;
      if (std::find(c.groups.begin(), c.groups.end(), g) == c.groups.end()) {
        ++would_leave;
        break;
      }
    }
  }
  std::printf("tokens whose ungrouped top-%ld would leave the kept groups: %ld of %ld\n", cfg.num_experts_per_tok,
              would_leave, x.size(0));
  EXPECT_GT(would_leave, 0);  // the restriction was exercised
}

TEST(DeepSeekMoE, BiasUpdateBalancesASkewedStream) {
  auto cfg = moe_config();
  cfg.bias_update_speed = 0.002;
  MoE moe(kHidden, cfg);
  torch::manual_seed(3);
  randomize(*moe, 0.0);
  // Tokens share a common direction that two experts' gate rows align with: a skewed stream.
  auto mu = torch::randn({kHidden});
  {
    torch::NoGradGuard ng;
    moe->gate->weight.narrow(0, 0, 2).add_(0.3 * mu);
  }
  auto imbalance = [](const torch::Tensor& load) {
    auto l = load.to(torch::kFloat64);
    return l.max().item<double>() / l.mean().item<double>();
  };
  // Sign updates keep experts near the mean toggling by gamma, so a single 256-token step stays
  // noisy; the load summed over the last 50 steps shows where the bias has settled.
  const int steps = 400, window = 50;
  double first = 0, per_step = 0;
  auto window_load = torch::zeros({cfg.n_routed_experts}, torch::kInt64);
  for (int step = 0; step < steps; ++step) {
    auto x = (mu + torch::randn({1, 256, kHidden})).detach();
    moe->forward(x);  // gradients enabled: a training step's loads
    double now = imbalance(moe->accumulated_load());
    if (step == 0) first = now;
    if (step >= steps - window) {
      per_step += now / window;
      window_load += moe->accumulated_load();
    }
    if (step % 100 == 0) std::printf("step %3d  max/mean load %.3f\n", step, now);
    moe->update_bias();
  }
  double settled = imbalance(window_load);
  std::printf("max/mean expert load: first step %.3f; last %d steps: per step %.3f, summed %.3f (perfect = 1)\n",
              first, window, per_step, settled);
  EXPECT_GT(first, 2.0);  // the stream really is skewed
  EXPECT_LT(per_step, 0.5 * first);
  EXPECT_LT(settled, 1.15);
  EXPECT_EQ(moe->accumulated_load().sum().item<int64_t>(), 0);  // cleared by update_bias
}

TEST(DeepSeekMoE, NoGradForwardsDoNotSteerTheBias) {
  auto cfg = moe_config();
  MoE moe(kHidden, cfg);
  torch::NoGradGuard ng;
  moe->forward(torch::randn({2, 5, kHidden}));
  EXPECT_EQ(moe->last_load().sum().item<int64_t>(), 2 * 5 * cfg.num_experts_per_tok);
  EXPECT_EQ(moe->accumulated_load().sum().item<int64_t>(), 0);
  moe->update_bias();
  EXPECT_EQ(moe->gate->e_score_correction_bias.abs().sum().item<double>(), 0.0);
}

TEST(DeepSeekMoE, SequenceBalanceLossMatchesFormula) {
  auto cfg = moe_config();
  cfg.aux_loss_alpha = 0.01;
  MoE moe(kHidden, cfg);
  torch::manual_seed(4);
  randomize(*moe, 0.0);
  auto x = torch::randn({2, 9, kHidden});
  moe->forward(x);
  ASSERT_TRUE(moe->balance_loss().defined());
  // alpha * mean_b sum_i f_i P_i with f_i = E / (K T) * count_i, P_i = mean_t s_i / sum_j s_j.
  const int64_t E = cfg.n_routed_experts, K = cfg.num_experts_per_tok, T = 9;
  double expect = 0;
  torch::NoGradGuard ng;
  for (int64_t b = 0; b < 2; ++b) {
    std::vector<double> count(E, 0), p(E, 0);
    for (int64_t t = 0; t < T; ++t) {
      auto c = reference_route(cfg, moe->gate->weight, moe->gate->e_score_correction_bias, x[b][t]);
      for (int64_t e : c.experts) count[e] += 1;
      auto s = torch::sigmoid(torch::matmul(moe->gate->weight, x[b][t]));
      auto sn = s / s.sum();
      for (int64_t e = 0; e < E; ++e) p[e] += sn[e].item<double>() / T;
    }
    for (int64_t e = 0; e < E; ++e) expect += double(E) / (K * T) * count[e] * p[e] / 2;
  }
  EXPECT_NEAR(moe->balance_loss().item<double>(), cfg.aux_loss_alpha * expect, 1e-7);
}

// Sequences of 6 and 4 real tokens, right-padded to 9 with garbage, in one batch must route, count
// and balance exactly as the two sequences alone.
TEST(DeepSeekMoE, PaddingIsNeitherRoutedNorCountedNorBalanced) {
  auto cfg = moe_config();
  cfg.aux_loss_alpha = 0.01;
  MoE moe(kHidden, cfg);
  moe->to(torch::kFloat64);
  torch::manual_seed(5);
  randomize(*moe, 0.1);
  const auto bias0 = moe->gate->e_score_correction_bias.clone();
  const std::vector<int64_t> lengths = {6, 4};
  std::vector<torch::Tensor> seqs;
  for (int64_t n : lengths) seqs.push_back(torch::randn({1, n, kHidden}, torch::kFloat64));

  // Each sequence alone: outputs, summed loads, the mean of the balance losses and its gradient.
  std::vector<torch::Tensor> alone;
  auto load = torch::zeros({cfg.n_routed_experts}, torch::kInt64);
  auto loss_alone = torch::zeros({}, torch::kFloat64);
  for (const auto& s : seqs) {
    alone.push_back(moe->forward(s));
    load += moe->last_load();
    loss_alone = loss_alone + moe->take_balance_loss() / double(seqs.size());
  }
  moe->zero_grad();
  loss_alone.backward();
  auto grad_alone = moe->gate->weight.grad().clone();
  moe->update_bias();
  auto bias_alone = moe->gate->e_score_correction_bias.clone();

  // The padded batch.
  moe->gate->e_score_correction_bias.copy_(bias0);
  auto x = torch::randn({2, 9, kHidden}, torch::kFloat64) * 5;  // padding: large garbage
  auto valid = torch::zeros({2, 9}, torch::kBool);
  for (size_t b = 0; b < seqs.size(); ++b) {
    x[b].narrow(0, 0, lengths[b]).copy_(seqs[b][0]);
    valid[b].narrow(0, 0, lengths[b]).fill_(true);
  }
  auto y = moe->forward(x, valid);
  for (size_t b = 0; b < seqs.size(); ++b)
    EXPECT_TRUE(torch::allclose(y[b].narrow(0, 0, lengths[b]), alone[b][0], 1e-12, 1e-12)) << "sequence " << b;
  EXPECT_TRUE(torch::equal(moe->last_load(), load));
  EXPECT_TRUE(torch::equal(moe->accumulated_load(), load));
  auto loss = moe->take_balance_loss();
  EXPECT_NEAR(loss.item<double>(), loss_alone.item<double>(), 1e-14);
  moe->zero_grad();
  loss.backward();
  EXPECT_TRUE(torch::allclose(moe->gate->weight.grad(), grad_alone, 1e-12, 1e-14));
  moe->update_bias();
  EXPECT_TRUE(torch::equal(moe->gate->e_score_correction_bias, bias_alone));
  // Without `valid` the padding would count: the guard above is not vacuous.
  moe->forward(x);
  EXPECT_GT(moe->last_load().sum().item<int64_t>(), load.sum().item<int64_t>());
}
