// IEEE binary16 (fp16) and bfloat16 <-> fp32, bit-exact with what ggml writes: fp32 -> fp16 rounds
// to nearest, ties to even (as F16C's vcvtps2ph with imm 0 and ggml's scalar
// ggml_compute_fp32_to_fp16), with subnormals, overflow to infinity and NaN kept quiet. fp32 -> bf16
// rounds to nearest even as ggml_compute_fp32_to_bf16 does (NaN stays a quiet NaN). The reverse
// conversions are exact. Torch-free: the quantized formats and the GGUF reader use these.
#pragma once
#include <cstdint>
#include <cstring>

namespace r1::kernels {

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t fp32_to_fp16(float f);
float fp16_to_fp32(uint16_t h);

// bf16 is the top half of an fp32: widening is a shift.
inline float bf16_to_fp32(uint16_t h) { return bits_float(static_cast<uint32_t>(h) << 16); }
uint16_t fp32_to_bf16(float f);

void fp16_to_fp32_row(const uint16_t* x, float* y, int64_t n);
void fp32_to_fp16_row(const float* x, uint16_t* y, int64_t n);
void bf16_to_fp32_row(const uint16_t* x, float* y, int64_t n);
void fp32_to_bf16_row(const float* x, uint16_t* y, int64_t n);

}  // namespace r1::kernels
