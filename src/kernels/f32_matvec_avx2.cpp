// AVX2 + FMA body of f32_matvec.h (CMakeLists.txt compiles this file alone with -mavx2 -mfma and
// -ffp-contract=off). One weight row after another in address order — the access the hardware
// prefetcher follows best (quant_matmul_avx2.cpp measured interleaved rows at a third of the
// bandwidth) — each 8-float slice loaded once and multiplied into every activation row's
// accumulators. No std:: templates here: their instantiations could be the program's copy
// (quant_matmul_avx2.h).
#include "kernels/f32_matvec_avx2.h"

#if defined(__x86_64__)

#include <immintrin.h>

#include "kernels/avx2_hsum.h"

namespace r1::kernels::avx2 {
namespace {

// B (1..4) activation rows x [B, cols] (row stride ldx) against weight rows [r0, r1). U accumulators
// per activation row keep B·U ≥ 3 FMA chains in flight (one chain would wait on each FMA's latency).
template <int B>
void rows(const float* w, int64_t cols, const float* bias, const float* x, int64_t ldx, float* y, int64_t ldy,
          int64_t r0, int64_t r1) {
  constexpr int U = B == 1 ? 4 : B == 2 ? 2 : 1;
  constexpr int64_t kStep = 8 * U;
  const int64_t main_end = cols - cols % kStep, vec_end = cols - cols % 8;
  for (int64_t r = r0; r < r1; ++r) {
    const float* wr = w + r * cols;
    __m256 acc[B][U];
    for (int b = 0; b < B; ++b)
      for (int u = 0; u < U; ++u) acc[b][u] = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j < main_end; j += kStep)
      for (int u = 0; u < U; ++u) {
        const __m256 wv = _mm256_loadu_ps(wr + j + 8 * u);
        for (int b = 0; b < B; ++b)
          acc[b][u] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + b * ldx + j + 8 * u), acc[b][u]);
      }
    for (; j < vec_end; j += 8) {
      const __m256 wv = _mm256_loadu_ps(wr + j);
      for (int b = 0; b < B; ++b) acc[b][0] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + b * ldx + j), acc[b][0]);
    }
    for (int b = 0; b < B; ++b) {
      __m256 s = acc[b][0];
      for (int u = 1; u < U; ++u) s = _mm256_add_ps(s, acc[b][u]);
      float t = hsum(s);
      for (int64_t k = vec_end; k < cols; ++k) t += wr[k] * x[b * ldx + k];  // the last cols % 8
      y[b * ldy + r] = bias ? t + bias[r] : t;
    }
  }
}

}  // namespace

void f32_matvec_rows(const float* w, int64_t cols, const float* bias, const float* x, int64_t batch, float* y,
                     int64_t ldy, int64_t r0, int64_t r1) {
  // Activation rows in fours: a weight row is read once per four (in cache after the first).
  for (int64_t b = 0; b < batch; b += 4) {
    const int64_t n = batch - b < 4 ? batch - b : 4;
    const float* xb = x + b * cols;
    float* yb = y + b * ldy;
    switch (n) {
      case 1: rows<1>(w, cols, bias, xb, cols, yb, ldy, r0, r1); break;
      case 2: rows<2>(w, cols, bias, xb, cols, yb, ldy, r0, r1); break;
      case 3: rows<3>(w, cols, bias, xb, cols, yb, ldy, r0, r1); break;
      default: rows<4>(w, cols, bias, xb, cols, yb, ldy, r0, r1); break;
    }
  }
}

}  // namespace r1::kernels::avx2

#else  // not x86-64: f32_matvec_available() is false and this is never called

namespace r1::kernels::avx2 {
void f32_matvec_rows(const float*, int64_t, const float*, const float*, int64_t, float*, int64_t, int64_t, int64_t) {}
}  // namespace r1::kernels::avx2

#endif
