// Right-padded batches: inputs/targets shifted by one, the loss mask of each target, and the token
// validity the trainers hand the model (so MoE routing and expert loads skip the padding), checked
// against each example's own length.
#include "train/token_batch.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace r1::train {
namespace {

TEST(TokenBatch, MarksRealTokensAndLossTargets) {
  std::vector<Example> ex = {{{5, 6, 7, 8, 9}, {0, 0, 1, 1, 1}}, {{5, 6, 7}, {}}, {{4, 4}, {0, 1}}};
  auto b = make_batch(ex, /*pad_id=*/0, torch::kCPU);
  ASSERT_EQ(b.inputs.sizes(), (std::vector<int64_t>{3, 4}));
  for (int64_t r = 0; r < 3; ++r) {
    const int64_t len = static_cast<int64_t>(ex[r].ids.size()) - 1;  // inputs of example r
    for (int64_t t = 0; t < 4; ++t) {
      const bool real = t < len;
      EXPECT_EQ(b.valid[r][t].item<bool>(), real) << r << "," << t;
      EXPECT_EQ(b.inputs[r][t].item<int64_t>(), real ? ex[r].ids[t] : 0);
      EXPECT_EQ(b.targets[r][t].item<int64_t>(), real ? ex[r].ids[t + 1] : 0);
      const float mask = !real ? 0.f : ex[r].loss_mask.empty() ? 1.f : ex[r].loss_mask[t + 1];
      EXPECT_EQ(b.mask[r][t].item<float>(), mask) << r << "," << t;
    }
  }
  EXPECT_EQ(b.tokens(), 3 + 2 + 1);
}

}  // namespace
}  // namespace r1::train
