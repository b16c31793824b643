// The AVX2 + FMA path of quant_matmul.h, compiled with -mavx2 -mfma -mf16c into its own translation
// unit (quant_matmul_avx2.cpp) and only ever called after cpu_supported() said yes, so the binary
// still runs on a CPU without those instructions. Internal to kernels/: callers use quant_matmul.h.
//
// The interface is raw pointers and this header has no inline code on purpose: an inline function or
// template (std::vector's, a header's accessor) instantiated in the AVX2 translation unit may be the
// copy the linker keeps for the whole program, and would then run AVX2 code on any CPU.
#pragma once
#include <cstdint>

#include "kernels/quant_blocks.h"

namespace r1::kernels::avx2 {

// Built for x86-64 and the running CPU has AVX2, FMA and F16C.
bool cpu_supported();

// W [rows, cols]: row r at data + r * row_bytes.
struct Weights {
  QuantType type;
  const uint8_t* data;
  int64_t row_bytes;
  int64_t cols;
};

// Q8Activations' arrays (quant_matmul.h) as the kernels read them: [batch, cols / 32] blocks and
// their per-block values.
struct Acts {
  const BlockQ8_0* blocks;
  const int32_t* sums;
  const float* scales;
  const int32_t* quads;  // 8 per block
  int64_t batch;
};

void quantize_activations(const float* x, int64_t batch, int64_t cols, BlockQ8_0* blocks, int32_t* sums, float* scales,
                          int32_t* quads);
void matmul_rows(const Weights& w, const Acts& x, float* y, int64_t ldy, int64_t row_begin, int64_t row_end);
// x: [batch, cols] fp32.
void matmul_rows_f32(const Weights& w, const float* x, int64_t batch, float* y, int64_t ldy, int64_t row_begin,
                     int64_t row_end);

}  // namespace r1::kernels::avx2
