#include "kernels/f32_matvec.h"

#include "core/error.h"
#include "kernels/f32_matvec_avx2.h"
#include "kernels/quant_matmul_avx2.h"

namespace r1::kernels {

bool f32_matvec_available() { return avx2::cpu_supported(); }

void f32_matvec_rows(const float* w, int64_t cols, const float* bias, const float* x, int64_t batch, float* y,
                     int64_t ldy, int64_t row_begin, int64_t row_end) {
  check(f32_matvec_available(), "f32_matvec_rows", "this CPU (or this build) has no AVX2/FMA: use at::matmul");
  avx2::f32_matvec_rows(w, cols, bias, x, batch, y, ldy, row_begin, row_end);
}

}  // namespace r1::kernels
