// fp16 / bf16 conversions against published IEEE 754 encodings and against ggml's own conversions
// (the ones that write GGUF scales), over millions of random bit patterns.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "kernels/ggml_oracle.h"
#include "kernels/half.h"

namespace r1::kernels {
namespace {

TEST(Half, PublishedEncodings) {
  // IEEE 754 binary16: 1 = 0x3C00, -2 = 0xC000, 65504 (largest) = 0x7BFF, 2^-14 (smallest normal) =
  // 0x0400, 2^-24 (smallest subnormal) = 0x0001, 1/3 = 0x3555 (rounded to nearest).
  EXPECT_EQ(fp32_to_fp16(1.0f), 0x3C00);
  EXPECT_EQ(fp32_to_fp16(-2.0f), 0xC000);
  EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7BFF);
  EXPECT_EQ(fp32_to_fp16(0x1p-14f), 0x0400);
  EXPECT_EQ(fp32_to_fp16(0x1p-24f), 0x0001);
  EXPECT_EQ(fp32_to_fp16(1.0f / 3.0f), 0x3555);
  EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
  // Ties to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10 -> 1; 1 + 3*2^-11 -> 1 + 2^-9.
  EXPECT_EQ(fp32_to_fp16(1.0f + 0x1p-11f), 0x3C00);
  EXPECT_EQ(fp32_to_fp16(1.0f + 3 * 0x1p-11f), 0x3C02);
  // 65520 is halfway between 65504 and 2^16: rounds to infinity; just below stays finite.
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7C00);
  EXPECT_EQ(fp32_to_fp16(std::nextafter(65520.0f, 0.0f)), 0x7BFF);
  // 2^-25 is halfway between 0 and 2^-24: ties to even (0); a hair more rounds up.
  EXPECT_EQ(fp32_to_fp16(0x1p-25f), 0x0000);
  EXPECT_EQ(fp32_to_fp16(std::nextafter(0x1p-25f, 1.0f)), 0x0001);
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(fp32_to_fp16(std::nanf("")) & 0x7E00, 0x7E00);

  EXPECT_EQ(fp16_to_fp32(0x3C00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0x7BFF), 65504.0f);
  EXPECT_EQ(fp16_to_fp32(0x0001), 0x1p-24f);
  EXPECT_EQ(fp16_to_fp32(0x03FF), 1023 * 0x1p-24f);
  EXPECT_TRUE(std::isinf(fp16_to_fp32(0xFC00)) && fp16_to_fp32(0xFC00) < 0);

  // bf16: 1 = 0x3F80; pi = 0x4049 (3.140625, nearest); ties to even on the dropped 16 bits.
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(fp32_to_bf16(3.14159265f), 0x4049);
  EXPECT_EQ(fp32_to_bf16(bits_float(0x3F808000)), 0x3F80);
  EXPECT_EQ(fp32_to_bf16(bits_float(0x3F818000)), 0x3F82);
  EXPECT_EQ(bf16_to_fp32(0x4049), 3.140625f);
}

TEST(Half, EveryFp16RoundTripsExactly) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = fp16_to_fp32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    EXPECT_EQ(fp32_to_fp16(f), h) << std::hex << h;
  }
}

TEST(Half, EqualsGgmlOnRandomBitPatterns) {
  R1_REQUIRE_GGML();
  const auto& g = testing::Ggml::get();
  std::mt19937 rng(7);
  // Uniform bit patterns cover every exponent (NaN, inf, subnormal, overflow) equally; the second
  // set concentrates on fp16's range, where the rounding matters.
  for (int i = 0; i < 2'000'000; ++i) {
    uint32_t u = rng();
    if (i % 2) u = (u & 0x807fffff) | ((100 + u % 45) << 23);
    const float f = bits_float(u);
    ASSERT_EQ(fp32_to_fp16(f), g.fp32_to_fp16(f)) << std::hex << u;
    ASSERT_EQ(fp32_to_bf16(f), g.fp32_to_bf16(f)) << std::hex << u;
  }
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float a = fp16_to_fp32(static_cast<uint16_t>(h)), b = g.fp16_to_fp32(static_cast<uint16_t>(h));
    if (std::isnan(a)) {
      EXPECT_TRUE(std::isnan(b));
    } else {
      EXPECT_EQ(float_bits(a), float_bits(b)) << std::hex << h;
    }
  }
}

}  // namespace
}  // namespace r1::kernels
