// The block formats against llama.cpp itself: the bytes of quantize_row (fp32 and bf16 input) equal
// ggml's reference quantizers' (the ones that write model files), dequantize_row equals ggml's, the
// per-weight error stays within each format's bound (quantize.h), and a quantized random linear layer
// keeps its output error within the stated relative bound.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/error.h"
#include "kernels/ggml_oracle.h"
#include "kernels/half.h"
#include "kernels/quantize.h"

namespace r1::kernels {
namespace {

constexpr QuantType kTypes[] = {QuantType::q8_0, QuantType::q4_0, QuantType::q4_1};

// Weights with the shapes that stress rounding: gaussian, heavy-tailed outliers, all-equal blocks,
// zero blocks, tiny magnitudes (fp16-subnormal scales), exact ties (x / d = k + 0.5), a block whose
// signed maximum is negative.
std::vector<float> awkward_row(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(n);
  for (int64_t b = 0; b < n / 32; ++b) {
    const int kind = static_cast<int>(b % 8);
    for (int j = 0; j < 32; ++j) {
      float& v = x[b * 32 + j];
      switch (kind) {
        case 0: v = normal(rng); break;
        case 1: v = normal(rng) * (j == 5 ? 50.0f : 0.02f); break;
        case 2: v = 0.75f; break;
        case 3: v = 0.0f; break;
        case 4: v = normal(rng) * 1e-7f; break;
        case 5: v = (j == 0 ? 127.0f : static_cast<float>(j % 16) - 7.5f); break;
        case 6: v = (j == 3 ? -8.0f : static_cast<float>(j % 16 - 8) + 0.5f); break;
        default: v = normal(rng) * 300.0f; break;
      }
    }
  }
  return x;
}

std::vector<uint8_t> quantized(QuantType t, const std::vector<float>& x) {
  std::vector<uint8_t> q(quant_row_bytes(t, static_cast<int64_t>(x.size())));
  quantize_row(t, x.data(), static_cast<int64_t>(x.size()), q.data());
  return q;
}

TEST(Quantize, BytesEqualGgmlReferenceQuantizers) {
  R1_REQUIRE_GGML();
  const auto& g = testing::Ggml::get();
  for (QuantType t : kTypes) {
    const auto ggml = t == QuantType::q8_0 ? g.quantize_q8_0_ref : t == QuantType::q4_0 ? g.quantize_q4_0_ref : g.quantize_q4_1_ref;
    for (uint32_t seed = 1; seed <= 20; ++seed) {
      const auto x = awkward_row(32 * 64, seed);
      std::vector<uint8_t> expected(quant_row_bytes(t, static_cast<int64_t>(x.size())));
      ggml(x.data(), expected.data(), static_cast<int64_t>(x.size()));
      ASSERT_EQ(quantized(t, x), expected) << quant_type_name(t) << " seed " << seed;
    }
  }
}

TEST(Quantize, Bf16RowsEqualGgmlOnTheWidenedValues) {
  R1_REQUIRE_GGML();
  const auto& g = testing::Ggml::get();
  for (QuantType t : kTypes) {
    const auto ggml = t == QuantType::q8_0 ? g.quantize_q8_0_ref : t == QuantType::q4_0 ? g.quantize_q4_0_ref : g.quantize_q4_1_ref;
    const auto x = awkward_row(32 * 40, 3);
    std::vector<uint16_t> bf(x.size());
    fp32_to_bf16_row(x.data(), bf.data(), static_cast<int64_t>(x.size()));
    std::vector<float> widened(x.size());
    bf16_to_fp32_row(bf.data(), widened.data(), static_cast<int64_t>(x.size()));
    std::vector<uint8_t> ours(quant_row_bytes(t, static_cast<int64_t>(x.size()))), expected(ours.size());
    quantize_row_bf16(t, bf.data(), static_cast<int64_t>(bf.size()), ours.data());
    ggml(widened.data(), expected.data(), static_cast<int64_t>(widened.size()));
    EXPECT_EQ(ours, expected) << quant_type_name(t);
  }
}

TEST(Quantize, DequantizeEqualsGgml) {
  R1_REQUIRE_GGML();
  const auto& g = testing::Ggml::get();
  std::mt19937 rng(11);
  for (QuantType t : kTypes) {
    const auto ggml = t == QuantType::q8_0 ? g.dequantize_q8_0 : t == QuantType::q4_0 ? g.dequantize_q4_0 : g.dequantize_q4_1;
    // Arbitrary bytes (every nibble, every int8, every fp16 scale but NaN/inf), not just our output.
    const int64_t n = 32 * 256;
    std::vector<uint8_t> q(quant_row_bytes(t, n));
    for (auto& b : q) b = static_cast<uint8_t>(rng());
    const int64_t bb = quant_block_bytes(t);
    for (int64_t i = 0; i < n / 32; ++i)
      for (int s = 0; s < (t == QuantType::q4_1 ? 2 : 1); ++s) {
        uint16_t h = static_cast<uint16_t>(rng() & 0xBBFF);  // exponent < 31: finite
        std::memcpy(q.data() + i * bb + 2 * s, &h, 2);
      }
    std::vector<float> ours(n), expected(n);
    dequantize_row(t, q.data(), n, ours.data());
    ggml(q.data(), expected.data(), n);
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(float_bits(ours[i]), float_bits(expected[i])) << quant_type_name(t) << " " << i;
  }
}

// quantize.h's per-weight bounds, block by block, from the block's own statistics (and, for blocks
// of tiny weights, the absolute rounding of an fp16-subnormal scale).
TEST(Quantize, RoundTripErrorWithinTheFormatsBound) {
  const double u16 = std::ldexp(1.0, -11);
  for (QuantType t : kTypes) {
    for (uint32_t seed = 1; seed <= 10; ++seed) {
      const auto x = awkward_row(32 * 64, seed);
      std::vector<float> back(x.size());
      dequantize_row(t, quantized(t, x).data(), static_cast<int64_t>(x.size()), back.data());
      for (size_t b = 0; b < x.size() / 32; ++b) {
        double amax = 0, max = 0, lo = 1e300, hi = -1e300;
        for (int j = 0; j < 32; ++j) {
          const double v = x[b * 32 + j];
          if (std::fabs(v) > amax) amax = std::fabs(v), max = v;
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
        for (int j = 0; j < 32; ++j) {
          const double v = x[b * 32 + j], err = std::fabs(v - back[b * 32 + j]);
          // fp16 scales round by a relative 2^-11, or by up to 2^-25 absolute where they are subnormal.
          auto fp16_err = [&](double v) { return std::max(std::fabs(v) * u16, std::ldexp(1.0, -25)); };
          const double slack = 4 * std::ldexp(std::fabs(v) + amax, -24);  // float rounding of x * (1/d)
          double bound = 0;
          if (t == QuantType::q8_0) {
            const double d = amax / 127;
            bound = d / 2 + 127 * fp16_err(d);
          } else if (t == QuantType::q4_0) {
            const double d = amax / 8;
            const bool clamped = max != 0 && v / (max / -8) + 8.5 >= 16;  // the far side of the sign of max
            bound = (clamped ? d : d / 2) + 8 * fp16_err(d);
          } else {
            const double d = (hi - lo) / 15;
            bound = d / 2 + 15 * fp16_err(d) + fp16_err(lo);
          }
          ASSERT_LE(err, bound + slack) << quant_type_name(t) << " seed " << seed << " block " << b << " j " << j
                                        << " x " << v << " back " << back[b * 32 + j];
        }
      }
    }
  }
}

// y = W x for a random linear layer (W ~ N(0, 1/K), x ~ N(0, 1)), W quantized: the relative RMS
// output error. Per weight the rounding error is ~uniform on ±d/2, d = amax/127 (Q8_0) or amax/8
// (Q4_0), amax of 32 gaussians ≈ 2.1σ on average: relative RMS ≈ (2.1/127)/√12 = 0.48% for Q8_0 and
// (2.1/8)/√12 = 7.6% for Q4_0 (Q4_1: range/15 ≈ 4.1σ/15 → 7.9%); measured 0.52%, 8.2%, 8.3%. The
// bounds leave ~1.5x margin.
TEST(Quantize, RandomLinearLayerOutputErrorWithinBound) {
  const int64_t N = 256, K = 1024;
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> W(N * K), x(K);
  for (auto& v : W) v = normal(rng) / std::sqrt(static_cast<float>(K));
  for (auto& v : x) v = normal(rng);
  for (QuantType t : kTypes) {
    const double bound = t == QuantType::q8_0 ? 0.008 : 0.125;
    std::vector<uint8_t> q(quant_row_bytes(t, K));
    std::vector<float> back(K);
    double num = 0, den = 0;
    for (int64_t r = 0; r < N; ++r) {
      quantize_row(t, W.data() + r * K, K, q.data());
      dequantize_row(t, q.data(), K, back.data());
      double y = 0, yq = 0;
      for (int64_t k = 0; k < K; ++k) {
        y += static_cast<double>(W[r * K + k]) * x[k];
        yq += static_cast<double>(back[k]) * x[k];
      }
      num += (y - yq) * (y - yq);
      den += y * y;
    }
    const double rel = std::sqrt(num / den);
    EXPECT_LT(rel, bound) << quant_type_name(t);
    EXPECT_GT(rel, bound / 4) << quant_type_name(t) << ": suspiciously exact";
    std::printf("%s: relative RMS output error of a random %lldx%lld layer %.3f%% (bound %.1f%%)\n",
                quant_type_name(t), static_cast<long long>(N), static_cast<long long>(K), 100 * rel, 100 * bound);
  }
}

TEST(Quantize, RaggedRowsAndUnknownNamesAreErrorsThatSayWhy) {
  std::vector<float> x(40);
  std::vector<uint8_t> q(64);
  try {
    quantize_row(QuantType::q8_0, x.data(), 40, q.data());
    FAIL() << "a 40-wide row has no whole blocks";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("multiple of 32, got 40"), std::string::npos) << e.what();
  }
  EXPECT_EQ(parse_quant_type("q4_0", "test"), QuantType::q4_0);
  try {
    parse_quant_type("q4_k", "--type");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--type: unknown quantized format 'q4_k'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace r1::kernels
