// The fp32 decode kernel (kernels/f32_matvec.h) against a naive double-precision product, on shapes
// that exercise every tail: cols not a multiple of 8 or of the 32-float main step, 1..9 activation
// rows (the groups of four and their remainders), bias or none, a row range that is a slice.
// Bound: float summation error γ(K+2) · Σ_j |w_j x_j| (+ |b|) per output.
#include "kernels/f32_matvec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace r1::kernels {
namespace {

std::vector<float> normal(size_t n, std::mt19937& rng) {
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(F32Matvec, EqualsANaiveDoubleProductWithinSummationError) {
  if (!f32_matvec_available()) GTEST_SKIP() << "no AVX2/FMA on this CPU";
  std::mt19937 rng(3);
  for (int64_t cols : {1, 7, 8, 9, 31, 32, 33, 100, 257})
    for (int64_t batch : {1, 2, 3, 4, 5, 9})
      for (bool with_bias : {false, true}) {
        const int64_t rows = 37, r0 = 3, r1 = 30;  // a slice: rows outside it stay untouched
        const auto w = normal(rows * cols, rng), x = normal(batch * cols, rng), b = normal(rows, rng);
        std::vector<float> y(batch * rows, std::nanf(""));
        f32_matvec_rows(w.data(), cols, with_bias ? b.data() : nullptr, x.data(), batch, y.data(), rows, r0, r1);
        const double gamma = (cols + 2) * std::ldexp(1.0, -24) / (1 - (cols + 2) * std::ldexp(1.0, -24));
        for (int64_t i = 0; i < batch; ++i)
          for (int64_t r = 0; r < rows; ++r) {
            const float got = y[i * rows + r];
            if (r < r0 || r >= r1) {
              EXPECT_TRUE(std::isnan(got)) << "row " << r << " outside the range was written";
              continue;
            }
            double ref = with_bias ? b[r] : 0.0, mag = with_bias ? std::abs(b[r]) : 0.0;
            for (int64_t j = 0; j < cols; ++j) {
              ref += static_cast<double>(w[r * cols + j]) * x[i * cols + j];
              mag += std::abs(static_cast<double>(w[r * cols + j]) * x[i * cols + j]);
            }
            EXPECT_LE(std::abs(got - ref), gamma * mag)
                << "cols " << cols << " batch " << batch << " bias " << with_bias << " y[" << i << ", " << r << "]";
          }
      }
}

}  // namespace
}  // namespace r1::kernels
