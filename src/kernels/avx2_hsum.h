// The horizontal sum of 8 float lanes, for the AVX2 translation units of kernels/ (quant_matmul_avx2.cpp,
// f32_matvec_avx2.cpp) and only for them: it compiles to AVX instructions, so a file built without
// -mavx2 must not include it. Internal linkage, so no copy of it can become another file's (the reason
// quant_matmul_avx2.h gives).
#pragma once
#if defined(__x86_64__)

#include <immintrin.h>

namespace r1::kernels::avx2 {
namespace {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace
}  // namespace r1::kernels::avx2

#endif
