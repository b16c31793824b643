// FP8 codecs against published values (OCP 8-bit floating point spec: e4m3fn max 448, min normal
// 2^-6, min subnormal 2^-9, S.1111.111 NaN; e5m2 max 57344, inf at 0x7C) and a brute-force
// nearest-value rounding reference; DeepSeek-V3 block quantization within e4m3's precision.
#include "io/fp8.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <random>

#include "core/error.h"

namespace r1::io {
namespace {

TEST(Fp8, E4m3PublishedValues) {
  EXPECT_EQ(decode_e4m3(0x7E), 448.0f);
  EXPECT_EQ(decode_e4m3(0xFE), -448.0f);
  EXPECT_EQ(decode_e4m3(0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(decode_e4m3(0x07), 7 * std::ldexp(1.0f, -9));  // largest subnormal
  EXPECT_EQ(decode_e4m3(0x08), std::ldexp(1.0f, -6));      // smallest normal
  EXPECT_EQ(decode_e4m3(0x38), 1.0f);
  EXPECT_EQ(decode_e4m3(0x3C), 1.5f);
  EXPECT_EQ(decode_e4m3(0x40), 2.0f);
  EXPECT_EQ(decode_e4m3(0x77), 240.0f);  // 1.875 * 2^7
  EXPECT_EQ(decode_e4m3(0x78), 256.0f);  // exponent 15 is finite in e4m3fn
  EXPECT_EQ(decode_e4m3(0x00), 0.0f);
  EXPECT_TRUE(std::signbit(decode_e4m3(0x80)));
  EXPECT_TRUE(std::isnan(decode_e4m3(0x7F)));
  EXPECT_TRUE(std::isnan(decode_e4m3(0xFF)));
  int nans = 0;
  for (int b = 0; b < 256; ++b) nans += std::isnan(decode_e4m3(static_cast<uint8_t>(b)));
  EXPECT_EQ(nans, 2);  // no infinities, only the two NaN codes
}

TEST(Fp8, E5m2PublishedValues) {
  EXPECT_EQ(decode_e5m2(0x7B), 57344.0f);
  EXPECT_TRUE(std::isinf(decode_e5m2(0x7C)));
  EXPECT_TRUE(std::isnan(decode_e5m2(0x7D)));
  EXPECT_EQ(decode_e5m2(0x01), std::ldexp(1.0f, -16));
  EXPECT_EQ(decode_e5m2(0x3C), 1.0f);
  EXPECT_EQ(decode_e5m2(0xC0), -2.0f);
}

TEST(Fp8, EncodeIsExactOnCodesAndRoundsToNearestEven) {
  for (int b = 0; b < 256; ++b) {
    if (b == 0x7F || b == 0xFF) continue;
    EXPECT_EQ(encode_e4m3(decode_e4m3(static_cast<uint8_t>(b))), b) << b;
  }
  EXPECT_EQ(encode_e4m3(1.0625f), 0x38);  // halfway 1.0 | 1.125 -> even mantissa (1.0)
  EXPECT_EQ(encode_e4m3(1.1875f), 0x3A);  // halfway 1.125 | 1.25 -> 1.25
  EXPECT_EQ(encode_e4m3(1000.0f), 0x7E);  // saturates
  EXPECT_EQ(encode_e4m3(-1e9f), 0xFE);
  EXPECT_EQ(encode_e4m3(std::nanf("")), 0x7F);
  EXPECT_EQ(encode_e4m3(std::ldexp(1.0f, -11)), 0x00);  // below half the smallest subnormal

  // Brute-force reference: the code with the smallest distance (ties: even code).
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> mag(-10.0f, 9.0f);
  for (int i = 0; i < 20000; ++i) {
    const float x = (i % 2 ? -1.0f : 1.0f) * std::exp2(mag(rng));
    int best = -1;
    float best_d = INFINITY;
    for (int b = 0; b < 0x7F; ++b) {
      const float d = std::fabs(std::fabs(x) - decode_e4m3(static_cast<uint8_t>(b)));
      if (d < best_d || (d == best_d && b % 2 == 0)) best = b, best_d = d;
    }
    ASSERT_EQ(encode_e4m3(x), (x < 0 ? 0x80 : 0) | best) << x;
  }
}

TEST(Fp8, BlockQuantizeDequantizeWithinE4m3Precision) {
  torch::manual_seed(3);
  // Non-multiples of 128 exercise the partial edge blocks; one block scaled far from the others.
  at::Tensor w = torch::randn({300, 200});
  w.narrow(0, 128, 128).narrow(1, 0, 128).mul_(1000);
  Fp8Blocks q = quantize_fp8_blocks(w);
  ASSERT_EQ(q.weight.sizes().vec(), (std::vector<int64_t>{300, 200}));
  ASSERT_EQ(q.scale_inv.sizes().vec(), (std::vector<int64_t>{3, 2}));
  // scale = amax / 448 of each block, computed independently.
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 2; ++j) {
      at::Tensor blk = w.narrow(0, i * 128, std::min<int64_t>(128, 300 - i * 128))
                           .narrow(1, j * 128, std::min<int64_t>(128, 200 - j * 128));
      EXPECT_FLOAT_EQ(q.scale_inv[i][j].item<float>(), blk.abs().max().item<float>() / 448.0f);
    }
  at::Tensor back = dequantize_fp8_blocks(q.weight, q.scale_inv, "w");
  // 3 mantissa bits: relative error <= 2^-4 for normals; subnormals round to 2^-10 * scale.
  at::Tensor scale_full = q.scale_inv.repeat_interleave(128, 0).repeat_interleave(128, 1).narrow(0, 0, 300).narrow(1, 0, 200);
  at::Tensor bound = w.abs() * 0.0625 + scale_full * std::ldexp(1.0, -10) * 1.0001;
  EXPECT_TRUE(((back - w).abs() <= bound).all().item<bool>());
  // Decoding the same bytes elementwise and scaling by hand agrees exactly.
  EXPECT_FLOAT_EQ(back[299][199].item<float>(),
                  decode_e4m3(q.weight[299][199].item<uint8_t>()) * q.scale_inv[2][1].item<float>());
}

TEST(Fp8, ZeroBlockAndBadScaleShape) {
  Fp8Blocks q = quantize_fp8_blocks(torch::zeros({4, 4}));
  EXPECT_EQ(q.scale_inv.item<float>(), 1.0f);
  EXPECT_TRUE(torch::equal(dequantize_fp8_blocks(q.weight, q.scale_inv, "z"), torch::zeros({4, 4})));
  try {
    dequantize_fp8_blocks(torch::zeros({200, 4}, torch::kByte), torch::ones({1, 1}), "model.layers.0.mlp.up_proj.weight");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.0.mlp.up_proj.weight"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("[2, 1]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace r1::io
