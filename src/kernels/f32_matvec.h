// fp32 matrix-vector products for decode: Y [B, N] = X [B, K] · Wᵀ (+ b), W [N, K] row-major fp32,
// for the few activation rows of batch-1 (or small-batch) decoding, where every weight is read once
// per product and the product is bound by memory bandwidth, not FLOPs.
//
// Why not at::matmul: at B = 1 ATen's mm hands OpenBLAS an sgemm with M = 1, which packs panels of
// W (reading and writing them) before multiplying — the 0.5B fp32 decode then streams ~11 GB/s of
// a ~20 GB/s core. Here each weight row is read once, in address order, as llama.cpp's f32 row-dot
// kernels do, and meets all B activation rows while it is in registers.
//
// Each call computes output rows [row_begin, row_end), so the caller splits the rows across threads
// (kernels/row_split.h); every output is computed by the same code whatever the split, so the result
// does not depend on the thread count. Summation order differs from BLAS's: |y - y_blas| is within
// float summation error, γ(K) · Σ_j |w_j x_j| (tests/kernels hold the kernel to at::matmul).
#pragma once
#include <cstdint>

namespace r1::kernels {

// Whether this binary and this CPU can run the AVX2 + FMA kernel (x86-64 with AVX2 and FMA).
bool f32_matvec_available();

// w [rows, cols] (row r at w + r * cols), bias [rows] or nullptr, x [batch, cols] contiguous, y with
// row stride ldy: y[b * ldy + r] = Σ_j w[r, j] · x[b, j] (+ bias[r]) for r in [row_begin, row_end).
// Requires f32_matvec_available().
void f32_matvec_rows(const float* w, int64_t cols, const float* bias, const float* x, int64_t batch, float* y,
                     int64_t ldy, int64_t row_begin, int64_t row_end);

}  // namespace r1::kernels
