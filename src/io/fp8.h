// FP8 codecs and DeepSeek-V3 block quantization (R1_SPEC §6.7).
// libtorch 1.13 has no float8 dtype, so FP8 data lives in uint8 tensors and is decoded here by
// table lookup; newer libtorch's kFloat8_e4m3fn is deliberately not used so one code path builds
// everywhere.
//   e4m3fn: 1 sign, 4 exponent (bias 7), 3 mantissa bits; no infinities; S.1111.111 is NaN;
//           largest finite 0x7E = 448, smallest subnormal 0x01 = 2^-9.
//   e5m2:   the top byte of an IEEE fp16 (bias 15, with inf and NaN).
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace r1::io {

float decode_e4m3(uint8_t byte);
float decode_e5m2(uint8_t byte);
// Round to nearest, ties to even; |x| beyond 448 saturates to ±448 (DeepSeek scales blocks so that
// amax maps to 448, so saturation only absorbs rounding at the edge); NaN -> 0x7F.
uint8_t encode_e4m3(float x);

// Decodes a uint8 tensor of e4m3fn / e5m2 bytes to float32 of the same shape.
at::Tensor decode_e4m3_tensor(const at::Tensor& bytes);
at::Tensor decode_e5m2_tensor(const at::Tensor& bytes);

constexpr int64_t kFp8BlockSize = 128;

struct Fp8Blocks {
  at::Tensor weight;     // uint8 e4m3fn bytes, [M, N]
  at::Tensor scale_inv;  // float32, [ceil(M/B), ceil(N/B)]; dequantized = fp8 value × scale_inv
};

// Per-block quantization as DeepSeek-V3's checkpoints store it: scale = amax(block) / 448 (1 for an
// all-zero block), weight = e4m3(x / scale). `w` is a 2-D float tensor.
Fp8Blocks quantize_fp8_blocks(const at::Tensor& w, int64_t block = kFp8BlockSize);

// weight [M, N] (uint8 e4m3 bytes) × scale_inv broadcast over block×block tiles -> float32 [M, N].
// `where` names the tensor for shape errors.
at::Tensor dequantize_fp8_blocks(const at::Tensor& weight, const at::Tensor& scale_inv, const std::string& where,
                                 int64_t block = kFp8BlockSize);

}  // namespace r1::io
