// Quantizing weight rows into the GGML block formats and back, exactly as ggml's reference
// quantizers do (ggml/src/ggml-quants.c: quantize_row_q8_0_ref, quantize_row_q4_0_ref,
// quantize_row_q4_1_ref — the ones convert_hf_to_gguf.py and llama-quantize use to write model files),
// so the bytes equal llama.cpp's for the same fp32 input:
//
//   Q8_0: d = amax / 127, q = roundf(x / d)                          (roundf: ties away from zero)
//   Q4_0: d = max / -8 where max is the signed value of largest |x|, q = min(15, (int8)(x / d + 8.5))
//   Q4_1: d = (max - min) / 15, m = min, q = min(15, (int8)((x - min) / d + 0.5))
//   (x / d is computed as x * (1/d), and d = 0 gives 1/d = 0, as ggml does.)
//
// Error per weight (w' = dequantized, d' = fp16(d), u16 = 2^-11 the fp16 rounding):
//   Q8_0: |w - w'| <= |d|/2 + 127 |d| u16                 (~0.56 |d|, |d| = amax / 127)
//   Q4_0: |w - w'| <= |d|/2 + 8 |d| u16, except weights of the sign opposite to max beyond 7.5 |d|,
//         clamped to 7 |d|: error <= |d| + 8 |d| u16      (|d| = amax / 8)
//   Q4_1: |w - w'| <= d/2 + 15 d u16 + |m| u16             (d = (max - min) / 15)
// plus float rounding of x * (1/d) (a few ulps of x). Where a scale is below fp16's normal range
// (|d| < 2^-14: blocks of weights under ~2e-3), its rounding is up to 2^-25 absolute instead of
// |d| u16. tests/kernels hold these bounds.
#pragma once
#include <cstdint>

#include "kernels/quant_blocks.h"

namespace r1::kernels {

// `out` receives n / 32 blocks (quant_row_bytes(t, n) bytes); n must be a multiple of 32.
void quantize_row(QuantType t, const float* x, int64_t n, void* out);
// bf16 input: each value widened to fp32 (exact), then quantized as above — the same bytes as
// converting the row to fp32 first.
void quantize_row_bf16(QuantType t, const uint16_t* x, int64_t n, void* out);
void dequantize_row(QuantType t, const void* in, int64_t n, float* out);

}  // namespace r1::kernels
