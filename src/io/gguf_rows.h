// Rows of GGUF tensor data <-> fp32: the float types (F32, F16, BF16) converted as ggml converts them
// (round to nearest even) and the block-quantized ones (Q8_0, Q4_0, Q4_1) through kernels/, whose
// bytes equal ggml's reference quantizers'. Torch-free; io/gguf_file.h builds tensors on these.
#pragma once
#include <cstdint>
#include <optional>

#include "io/gguf_format.h"
#include "kernels/quant_blocks.h"

namespace r1::io::gguf {

// The kernels format of a quantized GGUF type; nullopt for the others.
std::optional<kernels::QuantType> quant_type_of(TensorType t);
TensorType tensor_type_of(kernels::QuantType t);

// Whether rows of this type convert to and from fp32 here (F32, F16, BF16, Q8_0, Q4_0, Q4_1).
bool is_float_convertible(TensorType t);

// `n` values (a multiple of 32 for quantized types) from fp32 into tensor type `t`; `out` holds
// tensor_bytes(t, {n}) bytes.
void encode_row(TensorType t, const float* x, int64_t n, uint8_t* out);
// The same from bf16 values (widened exactly, then encoded): a bf16 checkpoint is quantized without
// an fp32 copy of the tensor.
void encode_row_bf16(TensorType t, const uint16_t* x, int64_t n, uint8_t* out);
// Back to fp32 (dequantized for the quantized types).
void decode_row(TensorType t, const uint8_t* in, int64_t n, float* out);

}  // namespace r1::io::gguf
