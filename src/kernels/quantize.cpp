#include "kernels/quantize.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "core/error.h"
#include "kernels/half.h"

namespace r1::kernels {
namespace {

void quantize_block_q8_0(const float* x, BlockQ8_0& b) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  b.d = fp32_to_fp16(d);
  for (int j = 0; j < 32; ++j) b.qs[j] = static_cast<int8_t>(std::roundf(x[j] * id));
}

void quantize_block_q4_0(const float* x, BlockQ4_0& b) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < 32; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  const float d = max / -8;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  b.d = fp32_to_fp16(d);
  for (int j = 0; j < 16; ++j) {
    // The int8 cast truncates; x * id + 8.5 >= 0.5 for every weight of the block, so it rounds.
    const uint8_t lo = static_cast<uint8_t>(std::min<int>(15, static_cast<int8_t>(x[j] * id + 8.5f)));
    const uint8_t hi = static_cast<uint8_t>(std::min<int>(15, static_cast<int8_t>(x[j + 16] * id + 8.5f)));
    b.qs[j] = static_cast<uint8_t>(lo | (hi << 4));
  }
}

void quantize_block_q4_1(const float* x, BlockQ4_1& b) {
  float min = FLT_MAX, max = -FLT_MAX;
  for (int j = 0; j < 32; ++j) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
  const float d = (max - min) / 15;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  b.d = fp32_to_fp16(d);
  b.m = fp32_to_fp16(min);
  for (int j = 0; j < 16; ++j) {
    const uint8_t lo = static_cast<uint8_t>(std::min<int>(15, static_cast<int8_t>((x[j] - min) * id + 0.5f)));
    const uint8_t hi = static_cast<uint8_t>(std::min<int>(15, static_cast<int8_t>((x[j + 16] - min) * id + 0.5f)));
    b.qs[j] = static_cast<uint8_t>(lo | (hi << 4));
  }
}

void dequantize_block(QuantType t, const uint8_t* in, float* y) {
  switch (t) {
    case QuantType::q8_0: {
      const auto& b = *reinterpret_cast<const BlockQ8_0*>(in);
      const float d = fp16_to_fp32(b.d);
      for (int j = 0; j < 32; ++j) y[j] = b.qs[j] * d;
      return;
    }
    case QuantType::q4_0: {
      const auto& b = *reinterpret_cast<const BlockQ4_0*>(in);
      const float d = fp16_to_fp32(b.d);
      for (int j = 0; j < 16; ++j) {
        y[j] = ((b.qs[j] & 0x0f) - 8) * d;
        y[j + 16] = ((b.qs[j] >> 4) - 8) * d;
      }
      return;
    }
    case QuantType::q4_1: {
      const auto& b = *reinterpret_cast<const BlockQ4_1*>(in);
      const float d = fp16_to_fp32(b.d), m = fp16_to_fp32(b.m);
      for (int j = 0; j < 16; ++j) {
        y[j] = (b.qs[j] & 0x0f) * d + m;
        y[j + 16] = (b.qs[j] >> 4) * d + m;
      }
      return;
    }
  }
}

void quantize_block(QuantType t, const float* x, uint8_t* out) {
  switch (t) {
    case QuantType::q8_0: quantize_block_q8_0(x, *reinterpret_cast<BlockQ8_0*>(out)); return;
    case QuantType::q4_0: quantize_block_q4_0(x, *reinterpret_cast<BlockQ4_0*>(out)); return;
    case QuantType::q4_1: quantize_block_q4_1(x, *reinterpret_cast<BlockQ4_1*>(out)); return;
  }
}

}  // namespace

const char* quant_type_name(QuantType t) {
  switch (t) {
    case QuantType::q8_0: return "q8_0";
    case QuantType::q4_0: return "q4_0";
    case QuantType::q4_1: return "q4_1";
  }
  return "?";
}

QuantType parse_quant_type(const std::string& name, const std::string& where) {
  for (QuantType t : {QuantType::q8_0, QuantType::q4_0, QuantType::q4_1})
    if (name == quant_type_name(t)) return t;
  throw Error(where, "unknown quantized format '" + name + "' (expected q8_0, q4_0 or q4_1)");
}

int64_t quant_block_bytes(QuantType t) {
  switch (t) {
    case QuantType::q8_0: return sizeof(BlockQ8_0);
    case QuantType::q4_0: return sizeof(BlockQ4_0);
    case QuantType::q4_1: return sizeof(BlockQ4_1);
  }
  return 0;
}

int64_t quant_row_bytes(QuantType t, int64_t cols, const std::string& where) {
  check(cols >= 0 && cols % kQuantBlock == 0, where,
        std::string(quant_type_name(t)) + " needs a row length that is a multiple of 32, got " + std::to_string(cols));
  return cols / kQuantBlock * quant_block_bytes(t);
}

void quantize_row(QuantType t, const float* x, int64_t n, void* out) {
  const int64_t bytes = quant_block_bytes(t);
  quant_row_bytes(t, n, "quantize_row");
  auto* o = static_cast<uint8_t*>(out);
  for (int64_t i = 0; i < n / kQuantBlock; ++i) quantize_block(t, x + i * kQuantBlock, o + i * bytes);
}

void quantize_row_bf16(QuantType t, const uint16_t* x, int64_t n, void* out) {
  const int64_t bytes = quant_block_bytes(t);
  quant_row_bytes(t, n, "quantize_row_bf16");
  auto* o = static_cast<uint8_t*>(out);
  float block[kQuantBlock];
  for (int64_t i = 0; i < n / kQuantBlock; ++i) {
    bf16_to_fp32_row(x + i * kQuantBlock, block, kQuantBlock);
    quantize_block(t, block, o + i * bytes);
  }
}

void dequantize_row(QuantType t, const void* in, int64_t n, float* out) {
  const int64_t bytes = quant_block_bytes(t);
  quant_row_bytes(t, n, "dequantize_row");
  const auto* p = static_cast<const uint8_t*>(in);
  for (int64_t i = 0; i < n / kQuantBlock; ++i) dequantize_block(t, p + i * bytes, out + i * kQuantBlock);
}

}  // namespace r1::kernels
