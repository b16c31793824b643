// The AVX2 + FMA body of f32_matvec.h, in its own translation unit (f32_matvec_avx2.cpp, compiled
// with -mavx2 -mfma) and only called after cpu_supported() (quant_matmul_avx2.h) said yes. Internal
// to kernels/. Raw pointers and no inline code here, for the reason quant_matmul_avx2.h gives.
#pragma once
#include <cstdint>

namespace r1::kernels::avx2 {

void f32_matvec_rows(const float* w, int64_t cols, const float* bias, const float* x, int64_t batch, float* y,
                     int64_t ldy, int64_t row_begin, int64_t row_end);

}  // namespace r1::kernels::avx2
