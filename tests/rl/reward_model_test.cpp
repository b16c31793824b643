// Bradley–Terry reward model: the loss against hand-computed values, its gradient against finite
// differences, the last-real-token readout, learning a toy preference, and a save/load round trip.
#include "rl/reward_model.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <random>

#include <unistd.h>

#include "common/tiny_model.h"

namespace r1::rl {
namespace {

model::CausalLM tiny_backbone(uint64_t seed) { return test::tiny_qwen2(24, 64, seed); }

TEST(BradleyTerry, LossMatchesHandComputedValues) {
  // d = r_c - r_r = [2, 0, -2]: -log σ(d) = log(1 + e^-d) = [0.12692801, 0.69314718, 2.12692801]
  auto rc = torch::tensor({2.0, 0.0, -1.0}, torch::kDouble), rr = torch::tensor({0.0, 0.0, 1.0}, torch::kDouble);
  const double expect = (std::log1p(std::exp(-2.0)) + std::log(2.0) + std::log1p(std::exp(2.0))) / 3;
  EXPECT_NEAR(bradley_terry_loss(rc, rr).item<double>(), expect, 1e-12);
  EXPECT_NEAR(expect, (0.1269280110 + 0.6931471806 + 2.1269280110) / 3, 1e-9);
  // Stable far out: d = 100 -> ~e^-100, d = -100 -> ~100.
  EXPECT_NEAR(bradley_terry_loss(torch::tensor({100.0}, torch::kDouble), torch::tensor({0.0}, torch::kDouble)).item<double>(),
              std::exp(-100.0), 1e-50);
  EXPECT_NEAR(bradley_terry_loss(torch::tensor({-100.0}, torch::kDouble), torch::tensor({0.0}, torch::kDouble)).item<double>(),
              100.0, 1e-9);
}

TEST(BradleyTerry, GradientMatchesFiniteDifferences) {
  auto rc = torch::tensor({0.3, -1.2, 2.5, 0.0}, torch::kDouble).requires_grad_(true);
  auto rr = torch::tensor({0.1, 0.4, -0.5, 0.0}, torch::kDouble).requires_grad_(true);
  bradley_terry_loss(rc, rr).backward();
  const double h = 1e-6;
  for (auto* t : {&rc, &rr}) {
    for (int64_t i = 0; i < 4; ++i) {
      torch::NoGradGuard ng;
      auto up = t->clone(), down = t->clone();
      up[i] += h;
      down[i] -= h;
      double fu = t == &rc ? bradley_terry_loss(up, rr).item<double>() : bradley_terry_loss(rc, up).item<double>();
      double fd = t == &rc ? bradley_terry_loss(down, rr).item<double>() : bradley_terry_loss(rc, down).item<double>();
      EXPECT_NEAR(t->grad()[i].item<double>(), (fu - fd) / (2 * h), 1e-8) << (t == &rc ? "chosen " : "rejected ") << i;
    }
  }
  // and the closed form: d/dr_c = -σ(r_r - r_c) / N
  auto expect = -torch::sigmoid(rr.detach() - rc.detach()) / 4;
  EXPECT_TRUE(torch::allclose(rc.grad(), expect, 1e-12, 1e-12));
}

TEST(RewardModel, ReadsTheLastRealTokenAndIgnoresPadding) {
  torch::manual_seed(0);
  RewardModel rm(tiny_backbone(3), 5);
  rm->eval();
  torch::NoGradGuard ng;
  auto alone = rm->forward(torch::tensor({{1, 5, 7}}, torch::kLong), torch::tensor({3}, torch::kLong));
  auto padded = rm->forward(torch::tensor({{1, 5, 7, 0, 0}, {2, 9, 9, 9, 4}}, torch::kLong), torch::tensor({3, 5}, torch::kLong));
  EXPECT_NEAR(alone[0].item<double>(), padded[0].item<double>(), 1e-5);
  // Independent readout: the head applied to the final hidden state at position 2.
  auto h = rm->backbone->hidden_states(torch::tensor({{1, 5, 7}}, torch::kLong))[0][2];
  EXPECT_NEAR((h * rm->score->weight[0]).sum().item<double>(), alone[0].item<double>(), 1e-5);
}

// Toy preference: a chosen response contains the keyword token 20, a rejected one does not.
std::vector<PreferencePair> keyword_pairs(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto tok = [&](int lo, int hi) { return static_cast<int32_t>(lo + rng() % (hi - lo + 1)); };
  std::vector<PreferencePair> out;
  for (int i = 0; i < n; ++i) {
    std::vector<int32_t> prompt{1};
    for (int t = 0, L = tok(3, 5); t < L; ++t) prompt.push_back(tok(3, 19));
    auto response = [&](bool keyword) {
      std::vector<int32_t> r;
      int L = tok(3, 6), at = tok(0, L - 1);
      for (int t = 0; t < L; ++t) r.push_back(keyword && t == at ? 20 : tok(3, 19));
      r.push_back(2);  // EOS
      return r;
    };
    PreferencePair p;
    p.chosen = prompt;
    auto c = response(true);
    p.chosen.insert(p.chosen.end(), c.begin(), c.end());
    p.rejected = prompt;
    auto r = response(false);
    p.rejected.insert(p.rejected.end(), r.begin(), r.end());
    out.push_back(std::move(p));
  }
  return out;
}

TEST(RewardModel, LearnsAToyPreference) {
  torch::manual_seed(0);
  RewardModel rm(tiny_backbone(1), 2);
  auto train = keyword_pairs(256, 1), heldout = keyword_pairs(100, 2);
  const double before = pairwise_accuracy(*rm, heldout, 0);
  RewardTrainConfig cfg;
  cfg.steps = 40;
  cfg.batch_size = 16;
  cfg.lr = 3e-3;
  auto res = train_reward_model(*rm, train, cfg, 0, nullptr);
  const double after = pairwise_accuracy(*rm, heldout, 0);
  std::printf("held-out pairwise accuracy %.2f -> %.2f (train loss %.3f)\n", before, after, res.final_loss);
  EXPECT_GT(after, 0.9);
  EXPECT_LT(res.final_loss, std::log(2.0));

  // Round trip through an HF-layout directory keeps every reward.
  auto dir = (std::filesystem::temp_directory_path() / ("r1_rm_test_" + std::to_string(::getpid()))).string();
  save_reward_model(dir, *rm, nullptr);
  EXPECT_TRUE(std::filesystem::exists(dir + "/config.json"));
  auto back = load_reward_model(dir);
  std::vector<std::vector<int32_t>> seqs{heldout[0].chosen, heldout[0].rejected, heldout[1].chosen};
  auto a = score_sequences(*rm, seqs, 0), b = score_sequences(*back, seqs, 0);
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_FLOAT_EQ(a[i], b[i]);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace r1::rl
