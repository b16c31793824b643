#include "kernels/half.h"

namespace r1::kernels {

uint16_t fp32_to_fp16(float f) {
  const uint32_t x = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t a = x & 0x7fffffff;
  if (a > 0x7f800000) return sign | 0x7e00;  // NaN -> quiet NaN, as ggml's scalar conversion
  if (a >= 0x477ff000) return sign | 0x7c00;  // >= 65520 rounds to infinity (65504 is the largest half)
  if (a >= 0x38800000) {
    // Normal half: rebias the exponent (127 - 15 = 112) and round the 13 dropped mantissa bits to
    // nearest even; a carry out of the mantissa correctly bumps the exponent.
    const uint32_t rounded = a + 0xfff + ((a >> 13) & 1);
    return sign | static_cast<uint16_t>((rounded - 0x38000000) >> 13);
  }
  if (a < 0x33000000) return sign;  // below 2^-25 (and 2^-25 itself, a tie to even) -> zero
  // Subnormal half: round(|x| / 2^-24) to nearest even. |x| = m * 2^(e - 150) with the implicit bit.
  const uint32_t e = a >> 23;
  const uint32_t m = (a & 0x7fffff) | 0x800000;
  const uint32_t shift = 126 - e;  // 14..24
  uint32_t q = m >> shift;
  const uint32_t rem = m & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1))) ++q;  // q == 0x400 is the smallest normal: still right
  return sign | static_cast<uint16_t>(q);
}

float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t e = (h >> 10) & 0x1f;
  const uint32_t m = h & 0x3ff;
  if (e == 0) {
    const float v = static_cast<float>(m) * 0x1p-24f;  // exact: m < 2^10
    return bits_float(sign | float_bits(v));
  }
  if (e == 31) return bits_float(sign | 0x7f800000 | (m << 13));
  return bits_float(sign | ((e + 112) << 23) | (m << 13));
}

uint16_t fp32_to_bf16(float f) {
  const uint32_t x = float_bits(f);
  if ((x & 0x7fffffff) > 0x7f800000) return static_cast<uint16_t>((x >> 16) | 64);  // quiet NaN
  return static_cast<uint16_t>((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

void fp16_to_fp32_row(const uint16_t* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = fp16_to_fp32(x[i]);
}

void fp32_to_fp16_row(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

void bf16_to_fp32_row(const uint16_t* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_fp32(x[i]);
}

void fp32_to_bf16_row(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_bf16(x[i]);
}

}  // namespace r1::kernels
