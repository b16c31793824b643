// The GRPO family's options against values computed by hand or by a naive scalar loop on small
// batches: the advantage estimators (GRPO, Dr. GRPO's no-std, RLOO, REINFORCE++-baseline), the
// policy losses (GSPO's sequence ratio, CISPO's clipped IS weight) with their gradients, and the
// rollout/training mismatch measures and corrections (TIS, MIS, per token and per sequence), and
// DAPO's overlong reward shaping; on-policy, the three policy losses share one gradient.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "rl/advantage_estimator.h"
#include "rl/grpo_loss.h"
#include "rl/overlong_shaping.h"
#include "rl/rollout_mismatch.h"

using namespace r1::rl;

namespace {

const std::vector<double> kRewards = {1, 0, 0, 1, 2, 0, 1, 1};  // two groups of G = 4

std::vector<double> values(const at::Tensor& t) {
  auto d = t.to(at::kDouble).contiguous();
  return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

}  // namespace

TEST(AdvantageEstimators, RlooIsTheRewardMinusTheMeanOfTheOthers) {
  auto a = values(estimate_advantages(torch::tensor(kRewards), 4, AdvantageEstimator::kRloo));
  // By hand: group 1 = {2, 0, 1, 1}: 2 - (0+1+1)/3 = 4/3, 0 - 4/3, 1 - 1 = 0.
  EXPECT_NEAR(a[0], 2.0 / 3, 1e-6);
  EXPECT_NEAR(a[1], -2.0 / 3, 1e-6);
  EXPECT_NEAR(a[4], 4.0 / 3, 1e-6);
  EXPECT_NEAR(a[5], -4.0 / 3, 1e-6);
  EXPECT_NEAR(a[6], 0.0, 1e-6);
  // The naive leave-one-out loop, every sample.
  for (int i = 0; i < 8; ++i) {
    double others = 0;
    for (int j = (i / 4) * 4; j < (i / 4) * 4 + 4; ++j)
      if (j != i) others += kRewards[j];
    EXPECT_NEAR(a[i], kRewards[i] - others / 3, 1e-6) << i;
  }
}

TEST(AdvantageEstimators, GrpoAndItsNoStdForm) {
  auto r = torch::tensor(kRewards);
  auto grpo = values(estimate_advantages(r, 4, AdvantageEstimator::kGrpo));
  auto nostd = values(estimate_advantages(r, 4, AdvantageEstimator::kGrpoNoStd));
  const double sd0 = std::sqrt(1.0 / 3), sd1 = std::sqrt(2.0 / 3);  // sample std of {1,0,0,1}, {2,0,1,1}
  EXPECT_NEAR(grpo[0], 0.5 / (sd0 + 1e-4), 1e-6);
  EXPECT_NEAR(grpo[4], 1.0 / (sd1 + 1e-4), 1e-6);
  EXPECT_NEAR(nostd[0], 0.5, 1e-6);
  EXPECT_NEAR(nostd[5], -1.0, 1e-6);
  // The estimator grpo is exactly today's group_advantages (the default stays bit-identical).
  EXPECT_TRUE(torch::equal(estimate_advantages(r, 4, AdvantageEstimator::kGrpo), group_advantages(r, 4, true)));
  EXPECT_THROW(parse_advantage_estimator("gae"), r1::Error);
}

TEST(AdvantageEstimators, ReinforcePlusPlusBaselineWhitensOverTheBatch) {
  // By hand, one token each: centered {.5,-.5,-.5,.5, 1,-1,0,0}, batch mean 0, sum of squares 3,
  // unbiased variance 3/7: A = c / sqrt(3/7 + 1e-8).
  auto a = values(estimate_advantages(torch::tensor(kRewards), 4, AdvantageEstimator::kReinforcePPBaseline));
  EXPECT_NEAR(a[0], 0.5 / std::sqrt(3.0 / 7), 1e-6);
  EXPECT_NEAR(a[4], 1.0 / std::sqrt(3.0 / 7), 1e-6);
  EXPECT_NEAR(a[6], 0.0, 1e-6);
  // Weighted by completion tokens (a sample counts once per token), a zero leaving it out: the
  // naive weighted loop.
  const std::vector<double> w = {3, 1, 2, 5, 0, 0, 0, 0};  // group 1 dropped
  auto aw = values(estimate_advantages(torch::tensor(kRewards), 4, AdvantageEstimator::kReinforcePPBaseline,
                                       torch::tensor(w)));
  std::vector<double> c = {0.5, -0.5, -0.5, 0.5, 1, -1, 0, 0};
  double n = 0, m = 0, v = 0;
  for (int i = 0; i < 8; ++i) n += w[i], m += w[i] * c[i];
  m /= n;
  for (int i = 0; i < 8; ++i) v += w[i] * (c[i] - m) * (c[i] - m);
  v /= n - 1;
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(aw[i], (c[i] - m) / std::sqrt(v + 1e-8), 1e-6) << i;
}

namespace {

// Two sequences: lengths 3 and 2 (mask); token log-ratios {0, 0.5, -0.1} and {-0.2, 0}.
struct Case {
  std::vector<std::vector<double>> logp{{-1.0, -2.0, -0.5}, {-0.3, -1.2, -9.0}};
  std::vector<std::vector<double>> old_logp{{-1.0, -2.5, -0.4}, {-0.1, -1.2, -9.0}};
  std::vector<std::vector<double>> mask{{1, 1, 1}, {1, 1, 0}};
  std::vector<double> adv{1.5, -0.8};
};

at::Tensor t23(const std::vector<std::vector<double>>& v) {
  return torch::tensor({v[0][0], v[0][1], v[0][2], v[1][0], v[1][1], v[1][2]}, torch::kDouble).view({2, 3});
}

GrpoLossInputs to_inputs(const Case& c) {
  GrpoLossInputs in;
  in.logp = t23(c.logp).requires_grad_(true);
  in.old_logp = t23(c.old_logp);
  in.advantages = torch::tensor(c.adv, torch::kDouble);
  in.mask = t23(c.mask);
  return in;
}

// GSPO written out with scalars: s = exp(mean log-ratio), -min(sA, clip(s)A) per sequence, then
// the mean over sequences (the per-sequence aggregation: every token of a sequence carries its value).
double naive_gspo(const Case& c, double lo, double hi) {
  double total = 0;
  for (int b = 0; b < 2; ++b) {
    double sum = 0, n = 0;
    for (int t = 0; t < 3; ++t)
      if (c.mask[b][t] != 0) sum += c.logp[b][t] - c.old_logp[b][t], n += 1;
    const double s = std::exp(sum / n), a = c.adv[b];
    total += -std::min(s * a, std::min(std::max(s, 1 - lo), 1 + hi) * a) / 2;
  }
  return total;
}

}  // namespace

TEST(GspoLoss, SequenceRatioClippedWithItsSmallEpsilons) {
  Case c;
  GrpoLossConfig cfg;
  cfg.policy = PolicyLoss::kGspo;
  cfg.epsilon_low = 3e-4;
  cfg.epsilon_high = 4e-4;
  auto in = to_inputs(c);
  auto out = grpo_loss(in, cfg);
  // By hand: s0 = e^(0.4/3) = 1.1426 > 1.0004 with A > 0, s1 = e^-0.1 = 0.9048 < 0.9997 with A < 0:
  // both sequences clipped, loss ((-1.0004·1.5) + (0.9997·0.8)) / 2, no gradient.
  EXPECT_NEAR(out.loss.item<double>(), (-1.0004 * 1.5 + 0.9997 * 0.8) / 2, 1e-12);
  EXPECT_NEAR(out.loss.item<double>(), naive_gspo(c, 3e-4, 4e-4), 1e-12);
  EXPECT_NEAR(out.clip_fraction, 1.0, 1e-12);  // sequences, not tokens
  EXPECT_NEAR(out.mean_ratio, (std::exp(0.4 / 3) + std::exp(-0.1)) / 2, 1e-12);
  out.loss.backward();
  EXPECT_EQ(in.logp.grad().abs().sum().item<double>(), 0.0);
}

TEST(GspoLoss, UnclippedGradientIsTheSequenceRatioTimesTheMeanTokenGradient) {
  Case c;
  GrpoLossConfig cfg;
  cfg.policy = PolicyLoss::kGspo;
  cfg.epsilon_low = 0.2;
  cfg.epsilon_high = 0.2;  // both s inside the band
  auto in = to_inputs(c);
  auto out = grpo_loss(in, cfg);
  EXPECT_NEAR(out.loss.item<double>(), naive_gspo(c, 0.2, 0.2), 1e-12);
  EXPECT_EQ(out.clip_fraction, 0.0);
  out.loss.backward();
  auto g = in.logp.grad();
  // d/dlogp_t of -s·A / 2 = -A·s / |y| / 2 (GSPO eq. 10), the same for each token of the sequence.
  const double s0 = std::exp(0.4 / 3), s1 = std::exp(-0.1);
  for (int t = 0; t < 3; ++t) EXPECT_NEAR(g[0][t].item<double>(), -1.5 * s0 / 3 / 2, 1e-12);
  for (int t = 0; t < 2; ++t) EXPECT_NEAR(g[1][t].item<double>(), 0.8 * s1 / 2 / 2, 1e-12);
  EXPECT_EQ(g[1][2].item<double>(), 0.0);  // masked
  // One token per sequence makes GSPO the token-level clipped surrogate.
  GrpoLossInputs one{torch::tensor({{0.05}, {-0.1}}, torch::kDouble), torch::zeros({2, 1}, torch::kDouble), {},
                     torch::tensor({1.0, -1.0}, torch::kDouble), torch::ones({2, 1}, torch::kDouble)};
  GrpoLossConfig ppo = cfg;
  ppo.policy = PolicyLoss::kPpoClip;
  EXPECT_NEAR(grpo_loss(one, cfg).loss.item<double>(), grpo_loss(one, ppo).loss.item<double>(), 1e-12);
}

TEST(CispoLoss, ClipsTheStopGradientImportanceWeight) {
  Case c;
  GrpoLossConfig cfg;
  cfg.policy = PolicyLoss::kCispo;
  cfg.epsilon_high_is = 0.28;
  cfg.aggregation = LossAggregation::kTokenMean;  // MiniMax-M1 normalizes by the batch's tokens
  auto in = to_inputs(c);
  auto out = grpo_loss(in, cfg);
  // Weights: seq 0 {1, min(e^0.5, 1.28) = 1.28, e^-0.1}, seq 1 {e^-0.2, 1}; loss = Σ -w·A·logp / 5.
  const std::vector<std::vector<double>> w{{1.0, 1.28, std::exp(-0.1)}, {std::exp(-0.2), 1.0, 0.0}};
  double expected = 0;
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 3; ++t) expected += -w[b][t] * c.adv[b] * c.logp[b][t] * c.mask[b][t] / 5;
  EXPECT_NEAR(out.loss.item<double>(), expected, 1e-12);
  EXPECT_NEAR(out.clip_fraction, 1.0 / 5, 1e-12);  // one of five IS weights clipped
  out.loss.backward();
  auto g = in.logp.grad();
  // The weight is a constant: every token keeps a gradient, the clipped one included (-1.28·A/5).
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 3; ++t) EXPECT_NEAR(g[b][t].item<double>(), -w[b][t] * c.adv[b] * c.mask[b][t] / 5, 1e-12);
  EXPECT_THROW(parse_policy_loss("sapo"), r1::Error);
}

namespace {

// Trainer log-probs against the engine's: log-ratios {0, 1, -0.1} and {-0.2, 0}; the third token
// of sequence 1 is padding (its values must not count).
struct MismatchCase {
  at::Tensor train = torch::tensor({{-1.0, -2.0, -0.5}, {-0.3, -1.2, 0.0}}, torch::kDouble);
  at::Tensor rollout = torch::tensor({{-1.0, -3.0, -0.4}, {-0.1, -1.2, 5.0}}, torch::kDouble);
  at::Tensor mask = torch::tensor({{1.0, 1.0, 1.0}, {1.0, 1.0, 0.0}}, torch::kDouble);
};

}  // namespace

TEST(RolloutMismatch, MeasuresTheRatioOfTrainerToRollout) {
  MismatchCase m;
  auto out = rollout_mismatch(m.train, m.rollout, m.mask, {});
  EXPECT_FALSE(out.weight.defined());  // none: the loss is unchanged
  const double e = std::exp(1.0);
  EXPECT_NEAR(out.stats.max_ratio, e, 1e-12);
  EXPECT_NEAR(out.stats.abs_log_ratio, (1.0 + 0.1 + 0.2) / 5, 1e-12);
  EXPECT_NEAR(out.stats.kl, ((e - 2) + (std::exp(-0.1) + 0.1 - 1) + (std::exp(-0.2) + 0.2 - 1)) / 5, 1e-12);
  EXPECT_NEAR(out.stats.beyond_cap, 1.0 / 5, 1e-12);  // e > C = 2
  // Identical log-probs: no mismatch.
  auto same = rollout_mismatch(m.train, m.train, m.mask, {});
  EXPECT_EQ(same.stats.kl, 0.0);
  EXPECT_EQ(same.stats.max_ratio, 1.0);
}

TEST(RolloutMismatch, TruncatedAndMaskedWeightsPerTokenAndPerSequence) {
  MismatchCase m;
  auto w = [&](MismatchCorrection c, MismatchLevel l) {
    return values(rollout_mismatch(m.train, m.rollout, m.mask, {c, l, 2.0}).weight);
  };
  const double e01 = std::exp(-0.1), e02 = std::exp(-0.2);
  auto tis_t = w(MismatchCorrection::kTis, MismatchLevel::kToken);
  std::vector<double> want = {1, 2, e01, e02, 1, 1};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(tis_t[i], want[i], 1e-12) << i;
  auto mis_t = w(MismatchCorrection::kMis, MismatchLevel::kToken);
  want = {1, 0, 1, 1, 1};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(mis_t[i], want[i]) << i;
  // Sequences: seq 0's ratio e^0.9 = 2.46 > 2 (truncated to 2, or masked), seq 1's e^-0.2.
  auto tis_s = w(MismatchCorrection::kTis, MismatchLevel::kSequence);
  auto mis_s = w(MismatchCorrection::kMis, MismatchLevel::kSequence);
  for (int t = 0; t < 3; ++t) {
    EXPECT_NEAR(tis_s[t], 2.0, 1e-12);
    EXPECT_EQ(mis_s[t], 0.0);
  }
  for (int t = 3; t < 5; ++t) {
    EXPECT_NEAR(tis_s[t], e02, 1e-12);
    EXPECT_EQ(mis_s[t], 1.0);
  }
  EXPECT_NEAR(rollout_mismatch(m.train, m.rollout, m.mask, {MismatchCorrection::kTis, MismatchLevel::kSequence, 2.0})
                  .stats.beyond_cap,
              0.5, 1e-12);
  EXPECT_THROW(parse_mismatch_correction("icepop"), r1::Error);
  EXPECT_THROW(parse_mismatch_level("batch"), r1::Error);
}

TEST(RolloutMismatch, TheWeightMultipliesThePolicyTermOnly) {
  // ppo_clip with a token weight and β = 0.04: Σ_t (w·pg + β·k3) per sequence, mean over sequences.
  Case c;
  auto in = to_inputs(c);
  in.ref_logp = t23({{-1.1, -2.0, -0.7}, {-0.3, -1.0, -9.0}});
  in.token_weight = t23({{1.0, 2.0, 0.5}, {0.0, 1.0, 7.0}});
  GrpoLossConfig cfg;
  cfg.beta = 0.04;
  const std::vector<std::vector<double>> ref{{-1.1, -2.0, -0.7}, {-0.3, -1.0, -9.0}};
  const std::vector<std::vector<double>> w{{1.0, 2.0, 0.5}, {0.0, 1.0, 7.0}};
  double expected = 0;
  for (int b = 0; b < 2; ++b) {
    double s = 0, n = 0;
    for (int t = 0; t < 3; ++t) {
      if (c.mask[b][t] == 0) continue;
      const double ratio = std::exp(c.logp[b][t] - c.old_logp[b][t]), a = c.adv[b];
      const double pg = -std::min(ratio * a, std::min(std::max(ratio, 0.8), 1.2) * a);
      const double r = std::exp(ref[b][t] - c.logp[b][t]);
      s += w[b][t] * pg + 0.04 * (r - std::log(r) - 1);
      n += 1;
    }
    expected += s / n / 2;
  }
  EXPECT_NEAR(grpo_loss(in, cfg).loss.item<double>(), expected, 1e-12);
}


TEST(OverlongShaping, LinearPenaltyInsideTheBufferBeforeTheLimit) {
  // L = 20, buffer 4, penalty 1: lengths up to 16 are free, then -1/4 per token, -1 at the limit.
  EXPECT_EQ(overlong_penalty(10, 20, 4, 1.0), 0.0);
  EXPECT_EQ(overlong_penalty(16, 20, 4, 1.0), 0.0);
  EXPECT_DOUBLE_EQ(overlong_penalty(17, 20, 4, 1.0), -0.25);
  EXPECT_DOUBLE_EQ(overlong_penalty(19, 20, 4, 1.0), -0.75);
  EXPECT_DOUBLE_EQ(overlong_penalty(20, 20, 4, 1.0), -1.0);
  EXPECT_DOUBLE_EQ(overlong_penalty(20, 20, 4, 0.5), -0.5);
  EXPECT_EQ(overlong_penalty(20, 20, 0, 1.0), 0.0);  // off
  EXPECT_THROW(overlong_penalty(5, 8, 9, 1.0), r1::Error);
}

// On-policy (μ = 1: π_old = π_θ, every ratio 1) the three policy losses have the same gradient
// -A·∇log π per token under the same aggregation: GSPO and CISPO differ from the token-level clipped
// surrogate only once the policy moves within a rollout batch (μ > 1) or the mismatch weights act.
TEST(PolicyLosses, OnPolicyGradientsCoincide) {
  Case c;
  std::vector<at::Tensor> grads;
  for (auto p : {PolicyLoss::kPpoClip, PolicyLoss::kGspo, PolicyLoss::kCispo}) {
    auto in = to_inputs(c);
    in.old_logp = in.logp.detach();
    GrpoLossConfig cfg;
    cfg.policy = p;
    grpo_loss(in, cfg).loss.backward();
    grads.push_back(in.logp.grad().clone());
  }
  EXPECT_NEAR(grads[0][0][0].item<double>(), -1.5 / 3 / 2, 1e-12);
  EXPECT_TRUE(torch::allclose(grads[0], grads[1], 0, 1e-12));
  EXPECT_TRUE(torch::allclose(grads[0], grads[2], 0, 1e-12));
}
