// DeepSeek-V3 rotary embedding: YaRN frequencies and attention scale against the published values
// (R1_SPEC §6.4, §6.3 step 6) and the interleaved rotation against complex multiplication, which
// is how the reference inference code applies it.
#include <gtest/gtest.h>

#include <cmath>

#include "model/rope.h"

using namespace r1::model;

namespace {

RopeScaling v3_yarn() {
  RopeScaling s;
  s.type = "yarn";
  s.factor = 40;
  s.original_max_position_embeddings = 4096;
  s.beta_fast = 32;
  s.beta_slow = 1;
  s.mscale = 1.0;
  s.mscale_all_dim = 1.0;
  return s;
}

}  // namespace

TEST(DeepSeekRope, YarnFrequenciesMatchPublishedRamp) {
  const int64_t d = 64;
  const double base = 10000, low = 10, high = 23;  // published for d = 64, beta 32 / 1, 4096 tokens
  auto f = rope_parameters(d, base, v3_yarn(), 163840).inv_freq.to(torch::kFloat64);
  ASSERT_EQ(f.numel(), 32);
  for (int64_t i = 0; i < 32; ++i) {
    double plain = std::pow(base, -2.0 * i / d);
    double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
    double expect = plain * (1 - ramp) + plain / 40 * ramp;
    EXPECT_NEAR(f[i].item<double>(), expect, 1e-6 * expect) << "dimension pair " << i;
  }
  // High-frequency pairs keep their frequency, low-frequency pairs are divided by the factor.
  EXPECT_NEAR(f[9].item<double>(), std::pow(base, -18.0 / 64), 1e-7);
  EXPECT_NEAR(f[23].item<double>(), std::pow(base, -46.0 / 64) / 40, 1e-9);
}

TEST(DeepSeekRope, YarnAttentionScale) {
  // mscale = 0.1 * ln(40) + 1 = 1.36889, applied squared: 1.87385; scale = 192^-0.5 * 1.87385.
  double factor = deepseek_softmax_scale_factor(v3_yarn());
  EXPECT_NEAR(std::sqrt(factor), 1.36889, 1e-5);
  EXPECT_NEAR(factor, 1.87385, 1e-5);
  EXPECT_NEAR(factor / std::sqrt(128.0 + 64.0), 0.135234, 1e-6);
  RopeScaling none;
  EXPECT_EQ(deepseek_softmax_scale_factor(none), 1.0);
  // mscale == mscale_all_dim: Hugging Face's cos/sin factor is their ratio, 1.
  EXPECT_DOUBLE_EQ(yarn_attention_factor(v3_yarn()), 1.0);
}

TEST(DeepSeekRope, InterleavedRotationIsComplexMultiplication) {
  const int64_t B = 2, H = 3, T = 5, D = 16;
  torch::manual_seed(1);
  auto x = torch::randn({B, H, T, D}, torch::kFloat64);
  auto positions = torch::randint(0, 5000, {B, T}, torch::kInt64);
  auto rope = rope_parameters(D, 10000, v3_yarn(), 163840);
  auto inv_freq = rope.inv_freq;
  auto rotated = apply_rotary(x.to(torch::kFloat32), rotary_tables(positions, rope), /*interleave=*/true);
  // Reference: pairs (2i, 2i+1) as complex numbers times e^{i * pos * f_i}, in double.
  auto angles = positions.to(torch::kFloat64).unsqueeze(-1) * inv_freq.to(torch::kFloat64);  // [B, T, D/2]
  auto rot = torch::polar(torch::ones_like(angles), angles).unsqueeze(1);                     // [B, 1, T, D/2]
  auto expect = torch::view_as_real(torch::view_as_complex(x.view({B, H, T, D / 2, 2}).contiguous()) * rot)
                    .view({B, H, T, D});
  EXPECT_TRUE(torch::allclose(rotated.to(torch::kFloat64), expect, 1e-4, 1e-4));
  // Halves layout is a different pairing and must not agree.
  auto halves = apply_rotary(x.to(torch::kFloat32), rotary_tables(positions, rope), /*interleave=*/false);
  EXPECT_FALSE(torch::allclose(halves.to(torch::kFloat64), expect, 1e-2, 1e-2));
}
