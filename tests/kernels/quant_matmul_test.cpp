// The quantized matrix products (quant_matmul.h): the avx2 path against the reference path on random
// ragged shapes, both against the exact product computed in double with the dequantized weights,
// within the error bounds the header states; activation quantization bitwise equal across paths and
// to llama.cpp's CPU backend; the dot products against llama.cpp's own vec_dot kernels.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/error.h"
#include "kernels/ggml_oracle.h"
#include "kernels/half.h"
#include "kernels/quant_matmul.h"
#include "kernels/quantize.h"

namespace r1::kernels {
namespace {

constexpr QuantType kTypes[] = {QuantType::q8_0, QuantType::q4_0, QuantType::q4_1};

double gamma_n(double n) {
  const double u = std::ldexp(1.0, -24);
  return n * u / (1 - n * u);
}

struct Problem {
  QuantType type;
  int64_t rows, cols, batch;
  std::vector<uint8_t> w;    // [rows, row_bytes]
  std::vector<float> deq;    // [rows, cols] dequantized weights
  std::vector<float> x;      // [batch, cols]
  QuantMatrix matrix() const { return {type, rows, cols, w.data()}; }
};

// Gaussian weights and activations; every 5th activation block is 100x larger (outlier channels),
// so blocks differ in scale as real hidden states do.
Problem make_problem(QuantType t, int64_t rows, int64_t cols, int64_t batch, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Problem p{t, rows, cols, batch, {}, {}, {}};
  const int64_t rb = quant_row_bytes(t, cols);
  std::vector<float> row(cols);
  p.w.resize(rows * rb);
  p.deq.resize(rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    for (auto& v : row) v = normal(rng) * 0.05f + (t == QuantType::q4_1 ? 0.02f : 0.0f);
    quantize_row(t, row.data(), cols, p.w.data() + r * rb);
    dequantize_row(t, p.w.data() + r * rb, cols, p.deq.data() + r * cols);
  }
  p.x.resize(batch * cols);
  for (int64_t i = 0; i < batch * cols; ++i) p.x[i] = normal(rng) * ((i / 32) % 5 == 2 ? 100.0f : 1.0f);
  return p;
}

// The integers of weight block `blk` (GGML layouts, read here independently of the kernels):
// q8_0 the int8 values, q4_0 nibble - 8, q4_1 the nibble; and its scale d and offset m.
void block_ints(QuantType t, const uint8_t* blk, int q[32], double& d, double& m) {
  uint16_t h;
  std::memcpy(&h, blk, 2);
  d = fp16_to_fp32(h);
  m = 0;
  if (t == QuantType::q8_0) {
    for (int j = 0; j < 32; ++j) q[j] = static_cast<int8_t>(blk[2 + j]);
    return;
  }
  const uint8_t* qs = blk + (t == QuantType::q4_1 ? 4 : 2);
  if (t == QuantType::q4_1) {
    std::memcpy(&h, blk + 2, 2);
    m = fp16_to_fp32(h);
  }
  const int offset = t == QuantType::q4_0 ? 8 : 0;
  for (int j = 0; j < 16; ++j) {
    q[j] = (qs[j] & 15) - offset;
    q[j + 16] = (qs[j] >> 4) - offset;
  }
}

// T of quant_matmul.h (the sum of the magnitudes of the terms the kernel adds) for output (b, r).
double term_magnitude(const Problem& p, const Q8Activations& xq, ActivationFormat a, int64_t b, int64_t r) {
  const int64_t nb = p.cols / 32, bb = quant_block_bytes(p.type);
  double t = 0;
  for (int64_t k = 0; k < nb; ++k) {
    int q[32];
    double d, m;
    block_ints(p.type, p.matrix().row(r) + k * bb, q, d, m);
    if (a == ActivationFormat::q8_0) {
      const BlockQ8_0& xb = xq.row(b)[k];
      const double dx = fp16_to_fp32(xb.d);
      for (int j = 0; j < 32; ++j) t += std::fabs(d * dx * q[j] * xb.qs[j]);
      t += std::fabs(m * dx * xq.row_sums(b)[k]);
    } else {
      for (int j = 0; j < 32; ++j) {
        const double x = p.x[b * p.cols + k * 32 + j];
        t += std::fabs(d * q[j] * x) + std::fabs(m * x);
      }
    }
  }
  return t;
}

std::vector<float> run(const Problem& p, ActivationFormat a, KernelPath path, Q8Activations* xq_out = nullptr) {
  std::vector<float> y(p.batch * p.rows, std::nanf(""));
  Q8Activations xq;
  quantize_activations(p.x.data(), p.batch, p.cols, xq, path);
  if (a == ActivationFormat::q8_0)
    quant_matmul_rows(p.matrix(), xq, y.data(), p.rows, 0, p.rows, path);
  else
    quant_matmul_rows_f32(p.matrix(), p.x.data(), p.batch, y.data(), p.rows, 0, p.rows, path);
  if (xq_out) *xq_out = xq;
  return y;
}

#define R1_REQUIRE_AVX2() \
  if (!kernel_path_available(KernelPath::avx2)) GTEST_SKIP() << "this CPU has no AVX2/FMA/F16C: only the reference path runs"

TEST(QuantActivations, BitwiseEqualAcrossPathsAndToLlamaCppCpuBackend) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t batch = 5, cols = 32 * 37;
  std::vector<float> x(batch * cols);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = (i / 32) % 7 == 3 ? 0.0f : (i / 32) % 7 == 5 ? std::round(normal(rng) * 4) * 0.5f : normal(rng) * 3;
  Q8Activations ref;
  quantize_activations(x.data(), batch, cols, ref, KernelPath::reference);
  for (size_t i = 0; i < ref.blocks.size(); ++i) {
    int32_t s = 0;
    for (int j = 0; j < 32; ++j) s += ref.blocks[i].qs[j];
    ASSERT_EQ(ref.sums[i], s) << "block " << i;
    ASSERT_EQ(ref.scales[i], fp16_to_fp32(ref.blocks[i].d)) << "block " << i;
    for (int g = 0; g < 8; ++g)
      ASSERT_EQ(ref.quads[i * 8 + g], ref.blocks[i].qs[4 * g] + ref.blocks[i].qs[4 * g + 1] +
                                          ref.blocks[i].qs[4 * g + 2] + ref.blocks[i].qs[4 * g + 3])
          << "block " << i << " group " << g;
  }
  if (kernel_path_available(KernelPath::avx2)) {
    Q8Activations fast;
    quantize_activations(x.data(), batch, cols, fast, KernelPath::avx2);
    ASSERT_EQ(std::memcmp(ref.blocks.data(), fast.blocks.data(), ref.blocks.size() * sizeof(BlockQ8_0)), 0);
    EXPECT_EQ(ref.sums, fast.sums);
    EXPECT_EQ(ref.scales, fast.scales);
    EXPECT_EQ(ref.quads, fast.quads);
  }
  R1_REQUIRE_GGML();
  std::vector<BlockQ8_0> ggml(ref.blocks.size());
  testing::Ggml::get().cpu_quantize_q8_0(x.data(), ggml.data(), batch * cols);
  EXPECT_EQ(std::memcmp(ref.blocks.data(), ggml.data(), ggml.size() * sizeof(BlockQ8_0)), 0);
}

// Odd row counts and batches leave partial 4x1 / 2x4 tiles; 1 and 3 blocks per row test the
// shortest rows.
TEST(QuantMatmul, Avx2EqualsReferenceWithinTheSummationBound) {
  R1_REQUIRE_AVX2();
  uint32_t seed = 100;
  for (QuantType t : kTypes)
    for (ActivationFormat a : {ActivationFormat::q8_0, ActivationFormat::f32})
      for (int64_t rows : {1, 3, 6, 37})
        for (int64_t cols : {32, 96, 160, 896})
          for (int64_t batch : {1, 2, 3, 4, 5, 9, 64}) {
            if (batch == 64 && cols != 896) continue;
            const Problem p = make_problem(t, rows, cols, batch, ++seed);
            Q8Activations xq;
            const auto ref = run(p, a, KernelPath::reference, &xq);
            const auto fast = run(p, a, KernelPath::avx2);
            const double g = gamma_n(static_cast<double>(cols / 32 + 40));
            for (int64_t b = 0; b < batch; ++b)
              for (int64_t r = 0; r < rows; ++r) {
                const double diff = std::fabs(ref[b * rows + r] - fast[b * rows + r]);
                ASSERT_LE(diff, 2 * g * term_magnitude(p, xq, a, b, r))
                    << quant_type_name(t) << " act " << activation_format_name(a) << " " << rows << "x" << cols
                    << " batch " << batch << " at (" << b << ", " << r << "): " << ref[b * rows + r] << " vs "
                    << fast[b * rows + r];
              }
          }
}

// Against y* = Σ_j w'_j x_j in double: the activation-rounding bound (q8_0) plus the summation bound.
TEST(QuantMatmul, EqualsTheExactProductOfTheDequantizedWeightsWithinTheStatedBound) {
  const double u16 = std::ldexp(1.0, -11);
  for (KernelPath path : {KernelPath::reference, KernelPath::avx2}) {
    if (!kernel_path_available(path)) continue;
    for (QuantType t : kTypes)
      for (ActivationFormat a : {ActivationFormat::q8_0, ActivationFormat::f32}) {
        const Problem p = make_problem(t, 29, 32 * 28, 6, 7);
        Q8Activations xq;
        const auto y = run(p, a, path, &xq);
        double worst = 0;
        for (int64_t b = 0; b < p.batch; ++b)
          for (int64_t r = 0; r < p.rows; ++r) {
            double exact = 0, act_bound = 0;
            for (int64_t k = 0; k < p.cols / 32; ++k) {
              double amax = 0, wsum = 0;
              for (int j = 0; j < 32; ++j) {
                const int64_t c = k * 32 + j;
                exact += static_cast<double>(p.deq[r * p.cols + c]) * p.x[b * p.cols + c];
                amax = std::max(amax, std::fabs(static_cast<double>(p.x[b * p.cols + c])));
                wsum += std::fabs(p.deq[r * p.cols + c]);
              }
              act_bound += (0.5 + 127 * u16) * (amax / 127) * wsum * (1 + 1e-5);
            }
            const double bound = (a == ActivationFormat::q8_0 ? act_bound : 0) +
                                 gamma_n(static_cast<double>(p.cols / 32 + 40)) * term_magnitude(p, xq, a, b, r);
            const double err = std::fabs(y[b * p.rows + r] - exact);
            ASSERT_LE(err, bound) << kernel_path_name(path) << " " << quant_type_name(t) << " act "
                                  << activation_format_name(a) << " at (" << b << ", " << r << ")";
            worst = std::max(worst, err / bound);
          }
        // The bound must not be vacuous: the q8_0 activation error uses a sizeable part of it.
        if (a == ActivationFormat::q8_0) EXPECT_GT(worst, 0.05) << quant_type_name(t);
      }
  }
}

TEST(QuantMatmul, RowRangesComposeBitwiseSoCallersCanSplitRowsAcrossThreads) {
  for (KernelPath path : {KernelPath::reference, KernelPath::avx2}) {
    if (!kernel_path_available(path)) continue;
    for (QuantType t : kTypes) {
      const Problem p = make_problem(t, 23, 32 * 5, 6, 9);
      const auto whole = run(p, ActivationFormat::q8_0, path);
      Q8Activations xq;
      quantize_activations(p.x.data(), p.batch, p.cols, xq, path);
      std::vector<float> pieces(whole.size(), std::nanf(""));
      for (int64_t r0 : {0, 5, 6, 17, 22}) {
        const int64_t r1 = r0 == 0 ? 5 : r0 == 5 ? 6 : r0 == 6 ? 17 : r0 == 17 ? 22 : 23;
        quant_matmul_rows(p.matrix(), xq, pieces.data(), p.rows, r0, r1, path);
      }
      for (size_t i = 0; i < whole.size(); ++i)
        ASSERT_EQ(float_bits(whole[i]), float_bits(pieces[i])) << kernel_path_name(path) << " " << quant_type_name(t) << " " << i;
    }
  }
}

// llama.cpp's vec_dot_q8_0_q8_0 and vec_dot_q4_0_q8_0 (AVX2 build) on the same blocks.
TEST(QuantMatmul, DotProductsMatchLlamaCppsVecDot) {
  R1_REQUIRE_GGML();
  const auto& g = testing::Ggml::get();
  for (auto [t, ggml_type] : {std::pair{QuantType::q8_0, testing::kGgmlQ8_0}, std::pair{QuantType::q4_0, testing::kGgmlQ4_0}}) {
    const testing::GgmlTypeTraitsCpu* traits = g.type_traits_cpu(ggml_type);
    ASSERT_TRUE(traits && traits->vec_dot);
    ASSERT_EQ(traits->vec_dot_type, testing::kGgmlQ8_0);
    const Problem p = make_problem(t, 16, 32 * 28, 1, 21);
    Q8Activations xq;
    const auto y = run(p, ActivationFormat::q8_0, best_kernel_path(), &xq);
    for (int64_t r = 0; r < p.rows; ++r) {
      float s = 0;
      traits->vec_dot(static_cast<int>(p.cols), &s, 0, p.matrix().row(r), 0, xq.row(0), 0, 1);
      const double bound = 2 * gamma_n(static_cast<double>(p.cols / 32 + 40)) * term_magnitude(p, xq, ActivationFormat::q8_0, 0, r);
      EXPECT_LE(std::fabs(s - y[r]), bound) << quant_type_name(t) << " row " << r << ": llama.cpp " << s << ", ours " << y[r];
    }
  }
}

TEST(QuantMatmul, KernelSettingsAreValidatedWithTheKeyInTheMessage) {
  EXPECT_EQ(resolve_kernel({"reference", "f32"}, "k").path, KernelPath::reference);
  EXPECT_EQ(resolve_kernel({"reference", "f32"}, "k").activations, ActivationFormat::f32);
  EXPECT_EQ(resolve_kernel({"auto", "q8_0"}, "k").path, best_kernel_path());
  try {
    resolve_kernel({"neon", "q8_0"}, "config key quant.kernel");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("config key quant.kernel: unknown kernel path 'neon'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(resolve_kernel({"auto", "int8"}, "k"), Error);
  const Problem p = make_problem(QuantType::q8_0, 4, 64, 1, 1);
  std::vector<float> y(4);
  Q8Activations xq;
  quantize_activations(p.x.data(), 1, 64, xq, KernelPath::reference);
  EXPECT_THROW(quant_matmul_rows(p.matrix(), xq, y.data(), 4, 2, 5, KernelPath::reference), Error);
}

}  // namespace
}  // namespace r1::kernels
