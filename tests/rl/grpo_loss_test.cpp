// GRPO advantages, the k3 estimator and every loss mode against values computed by hand.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "core/error.h"
#include "rl/grpo_loss.h"

using namespace r1::rl;

TEST(GroupAdvantages, NormalizesWithinEachGroup) {
  auto r = torch::tensor({1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0, 0.0});
  auto a = group_advantages(r.narrow(0, 0, 8), 4, true);
  double sd = std::sqrt(4 * 0.25 / 3.0);  // sample std of {1,0,0,1}
  EXPECT_NEAR(a[0].item<double>(), 0.5 / (sd + 1e-4), 1e-6);
  EXPECT_NEAR(a[1].item<double>(), -0.5 / (sd + 1e-4), 1e-6);
  for (int i = 4; i < 8; ++i) EXPECT_EQ(a[i].item<double>(), 0.0);  // all-equal group: no signal
  auto raw = group_advantages(r.narrow(0, 8, 2), 2, false);          // Dr. GRPO: no std scaling
  EXPECT_NEAR(raw[0].item<double>(), 1.5, 1e-9);
  EXPECT_NEAR(raw[1].item<double>(), -1.5, 1e-9);
}

TEST(K3, MatchesFormulaAndIsNonNegative) {
  auto logp = torch::tensor({std::log(0.5), std::log(0.3), std::log(0.2)}, torch::kDouble);
  auto ref = torch::tensor({std::log(0.25), std::log(0.3), std::log(0.6)}, torch::kDouble);
  auto k = k3_kl(logp, ref);
  EXPECT_NEAR(k[0].item<double>(), 0.5 - std::log(0.5) - 1, 1e-12);
  EXPECT_NEAR(k[1].item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(k[2].item<double>(), 3.0 - std::log(3.0) - 1, 1e-12);
  auto many = k3_kl(torch::randn({1000}, torch::kDouble), torch::randn({1000}, torch::kDouble));
  EXPECT_TRUE((many >= 0).all().item<bool>());
}

namespace {

// Two sequences: lengths 3 and 2 (mask), hand-picked ratios and advantages.
struct Case {
  std::vector<std::vector<double>> logp{{-1.0, -2.0, -0.5}, {-0.3, -1.2, -9.0}};
  std::vector<std::vector<double>> old_logp{{-1.0, -2.5, -0.4}, {-0.1, -1.2, -9.0}};
  std::vector<std::vector<double>> ref_logp{{-1.1, -2.0, -0.7}, {-0.3, -1.0, -9.0}};
  std::vector<std::vector<double>> mask{{1, 1, 1}, {1, 1, 0}};
  std::vector<double> adv{1.5, -0.8};
};

// The per-token loss written out with scalars.
double naive_token_loss(double lp, double old, double ref, double a, double eps_lo, double eps_hi, double beta) {
  double ratio = std::exp(lp - old);
  double clipped = std::min(std::max(ratio, 1 - eps_lo), 1 + eps_hi);
  double obj = std::min(ratio * a, clipped * a);
  double r = std::exp(ref - lp);
  return -obj + beta * (r - std::log(r) - 1);
}

GrpoLossInputs to_inputs(const Case& c) {
  auto t = [](const std::vector<std::vector<double>>& v) {
    return torch::tensor({v[0][0], v[0][1], v[0][2], v[1][0], v[1][1], v[1][2]}, torch::kDouble).view({2, 3});
  };
  return {t(c.logp).requires_grad_(true), t(c.old_logp), t(c.ref_logp), torch::tensor(c.adv, torch::kDouble),
          t(c.mask)};
}

}  // namespace

TEST(GrpoLoss, EveryAggregationMatchesHandComputation) {
  Case c;
  for (double beta : {0.0, 0.04}) {
    for (auto agg : {LossAggregation::kSequenceMean, LossAggregation::kTokenMean, LossAggregation::kConstant}) {
      GrpoLossConfig cfg;
      cfg.epsilon_low = 0.2;
      cfg.epsilon_high = 0.28;
      cfg.beta = beta;
      cfg.aggregation = agg;
      cfg.max_completion_length = 4;
      double seq_means = 0, token_sum = 0, tokens = 0;
      for (int b = 0; b < 2; ++b) {
        double s = 0, n = 0;
        for (int t = 0; t < 3; ++t) {
          if (c.mask[b][t] == 0) continue;
          s += naive_token_loss(c.logp[b][t], c.old_logp[b][t], c.ref_logp[b][t], c.adv[b], 0.2, 0.28, beta);
          n += 1;
        }
        seq_means += s / n / 2;
        token_sum += s;
        tokens += n;
      }
      double expected = agg == LossAggregation::kSequenceMean ? seq_means
                        : agg == LossAggregation::kTokenMean  ? token_sum / tokens
                                                              : token_sum / (2 * 4);
      auto out = grpo_loss(to_inputs(c), cfg);
      EXPECT_NEAR(out.loss.item<double>(), expected, 1e-12) << "beta " << beta << " agg " << static_cast<int>(agg);
    }
  }
}

TEST(GrpoLoss, ClippingStopsTheGradient) {
  // Ratio e^0.5 = 1.65 > 1.2 with a positive advantage: the clipped branch is active, gradient 0.
  GrpoLossInputs in{torch::tensor({{0.0}}, torch::kDouble).requires_grad_(true), torch::tensor({{-0.5}}, torch::kDouble),
                    {}, torch::tensor({1.0}, torch::kDouble), torch::ones({1, 1}, torch::kDouble)};
  auto out = grpo_loss(in, {});
  out.loss.backward();
  EXPECT_EQ(in.logp.grad().item<double>(), 0.0);
  EXPECT_NEAR(out.clip_fraction, 1.0, 1e-12);
  EXPECT_NEAR(out.loss.item<double>(), -1.2, 1e-12);
  // On-policy (ratio 1), the gradient of the sequence-mean loss is -A / |o| per token.
  Case c;
  auto on = to_inputs(c);
  on.old_logp = on.logp.detach();
  grpo_loss(on, {}).loss.backward();
  EXPECT_NEAR(on.logp.grad()[0][0].item<double>(), -1.5 / 3 / 2, 1e-12);
  EXPECT_NEAR(on.logp.grad()[1][1].item<double>(), 0.8 / 2 / 2, 1e-12);
  EXPECT_EQ(on.logp.grad()[1][2].item<double>(), 0.0);  // masked
}

TEST(GrpoLoss, TokenLogprobsMatchLogSoftmax) {
  auto logits = torch::randn({2, 3, 5}, torch::kDouble);
  auto targets = torch::randint(0, 5, {2, 3}, torch::kInt64);
  auto lp = token_logprobs(logits, targets);
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 3; ++t) {
      double z = 0;
      for (int v = 0; v < 5; ++v) z += std::exp(logits[b][t][v].item<double>());
      double expected = logits[b][t][targets[b][t].item<int64_t>()].item<double>() - std::log(z);
      EXPECT_NEAR(lp[b][t].item<double>(), expected, 1e-12);
    }
  EXPECT_THROW(parse_loss_aggregation("ppo"), r1::Error);
}

// A step of GRPO computed by hand, the numbers written out: rewards {1, 0, 0, 0} of one group give
// mean 0.25 and sample std 0.5, so A = 0.75 / 0.5001 and -0.25 / 0.5001; two sequences of two
// tokens with log-ratios {0.1, 0.3} (A > 0) and {-0.3, 0.2} (A < 0), ε = 0.2:
//   seq 0: ρ = 1.10517 (in the band) -> -ρA; ρ = 1.34986 > 1.2 -> -1.2 A (clipped)
//   seq 1: ρ = 0.74082 < 0.8 -> -0.8 A (clipped); ρ = 1.22140 > 1.2 but A < 0 -> -ρA (not clipped)
TEST(GrpoLoss, PinnedHandComputedStep) {
  auto adv = group_advantages(torch::tensor({1.0, 0.0, 0.0, 0.0}), 4, true);
  EXPECT_NEAR(adv[0].item<double>(), 1.4997000599880024, 1e-6);
  EXPECT_NEAR(adv[1].item<double>(), -0.4999000199960008, 1e-6);
  auto logp = torch::tensor({{0.1, 0.3}, {-0.3, 0.2}}, torch::kDouble).requires_grad_(true);
  GrpoLossInputs in{logp, torch::zeros({2, 2}, torch::kDouble), {},
                    torch::tensor({1.4997000599880024, -0.4999000199960008}, torch::kDouble), torch::ones({2, 2}, torch::kDouble)};
  auto out = grpo_loss(in, {});
  // ((-1.10517 A0 - 1.2 A0) / 2 + (-0.8 A1 - 1.22140 A1) / 2) / 2
  EXPECT_NEAR(out.loss.item<double>(), -0.6116414212241017, 1e-12);
  EXPECT_NEAR(out.mean_ratio, (std::exp(0.1) + std::exp(0.3) + std::exp(-0.3) + std::exp(0.2)) / 4, 1e-12);
  // Clipping is active on 2 of the 4 tokens (seq 0 token 1, seq 1 token 0); seq 1 token 1 is
  // outside the band but its unclipped term is the smaller one, so it keeps its gradient.
  EXPECT_NEAR(out.clip_fraction, 0.5, 1e-12);
  out.loss.backward();
  auto g = logp.grad();
  EXPECT_EQ(g[0][1].item<double>(), 0.0);
  EXPECT_EQ(g[1][0].item<double>(), 0.0);
  EXPECT_NEAR(g[1][1].item<double>(), 0.4999000199960008 * std::exp(0.2) / 4, 1e-12);
}

// TRL's clip_ratio/region_mean: only where clipping removes the gradient.
TEST(GrpoLoss, ClipFractionCountsOnlyActiveClipping) {
  // One token per sequence: ratio e^0.5 with A = +1 (active) and A = -1 (not: the unclipped term
  // is the minimum), e^-0.5 with A = -1 (active) and A = +1 (not), and ratio 1.
  auto logp = torch::tensor({{0.5}, {0.5}, {-0.5}, {-0.5}, {0.0}}, torch::kDouble);
  GrpoLossInputs in{logp, torch::zeros({5, 1}, torch::kDouble), {},
                    torch::tensor({1.0, -1.0, -1.0, 1.0, 1.0}, torch::kDouble), torch::ones({5, 1}, torch::kDouble)};
  EXPECT_NEAR(grpo_loss(in, {}).clip_fraction, 2.0 / 5.0, 1e-12);
  // ε_high = 0.7 puts e^0.5 = 1.65 inside the band: only the low clip remains.
  GrpoLossConfig wide;
  wide.epsilon_high = 0.7;
  EXPECT_NEAR(grpo_loss(in, wide).clip_fraction, 1.0 / 5.0, 1e-12);
}

TEST(GrpoLoss, LogprobsAtTheSamplingTemperature) {
  // log softmax(z / T) written out for one position.
  auto logits = torch::tensor({{{2.0, -1.0, 0.5}}}, torch::kDouble);
  auto target = torch::tensor({{2}}, torch::kInt64);
  const double T = 0.7;
  const double z = std::exp(2.0 / T) + std::exp(-1.0 / T) + std::exp(0.5 / T);
  EXPECT_NEAR(token_logprobs(logits, target, T).item<double>(), 0.5 / T - std::log(z), 1e-12);
  EXPECT_THROW(token_logprobs(logits, target, 0.0), r1::Error);
}
