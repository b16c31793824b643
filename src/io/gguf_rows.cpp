#include "io/gguf_rows.h"

#include <cstring>
#include <vector>

#include "core/error.h"
#include "kernels/half.h"
#include "kernels/quantize.h"

namespace r1::io::gguf {

std::optional<kernels::QuantType> quant_type_of(TensorType t) {
  switch (t) {
    case TensorType::q8_0: return kernels::QuantType::q8_0;
    case TensorType::q4_0: return kernels::QuantType::q4_0;
    case TensorType::q4_1: return kernels::QuantType::q4_1;
    default: return std::nullopt;
  }
}

TensorType tensor_type_of(kernels::QuantType t) {
  switch (t) {
    case kernels::QuantType::q8_0: return TensorType::q8_0;
    case kernels::QuantType::q4_0: return TensorType::q4_0;
    case kernels::QuantType::q4_1: return TensorType::q4_1;
  }
  return TensorType::f32;
}

bool is_float_convertible(TensorType t) {
  return t == TensorType::f32 || t == TensorType::f16 || t == TensorType::bf16 || quant_type_of(t).has_value();
}

void encode_row(TensorType t, const float* x, int64_t n, uint8_t* out) {
  if (auto q = quant_type_of(t)) return kernels::quantize_row(*q, x, n, out);
  switch (t) {
    case TensorType::f32: std::memcpy(out, x, static_cast<size_t>(n) * 4); return;
    case TensorType::f16: return kernels::fp32_to_fp16_row(x, reinterpret_cast<uint16_t*>(out), n);
    case TensorType::bf16: return kernels::fp32_to_bf16_row(x, reinterpret_cast<uint16_t*>(out), n);
    default: throw Error("gguf", std::string("cannot encode fp32 rows as ") + tensor_type_name(t));
  }
}

void encode_row_bf16(TensorType t, const uint16_t* x, int64_t n, uint8_t* out) {
  if (auto q = quant_type_of(t)) return kernels::quantize_row_bf16(*q, x, n, out);
  if (t == TensorType::bf16) {
    std::memcpy(out, x, static_cast<size_t>(n) * 2);
    return;
  }
  std::vector<float> f(static_cast<size_t>(n));
  kernels::bf16_to_fp32_row(x, f.data(), n);
  encode_row(t, f.data(), n, out);
}

void decode_row(TensorType t, const uint8_t* in, int64_t n, float* out) {
  if (auto q = quant_type_of(t)) return kernels::dequantize_row(*q, in, n, out);
  switch (t) {
    case TensorType::f32: std::memcpy(out, in, static_cast<size_t>(n) * 4); return;
    case TensorType::f16: return kernels::fp16_to_fp32_row(reinterpret_cast<const uint16_t*>(in), out, n);
    case TensorType::bf16: return kernels::bf16_to_fp32_row(reinterpret_cast<const uint16_t*>(in), out, n);
    default: throw Error("gguf", std::string("cannot decode ") + tensor_type_name(t) + " rows to fp32");
  }
}

}  // namespace r1::io::gguf
