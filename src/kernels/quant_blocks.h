// Block-quantized weight formats, byte-for-byte GGML's (ggml-common.h), so a row quantized here is a
// row of a llama.cpp GGUF tensor and back. A row of n weights (n a multiple of 32) is n/32 blocks of
// 32 consecutive weights, each block with its own fp16 scale:
//
//   Q8_0 (34 bytes, 8.5 bits/weight):  d, qs[32] int8            w_j = d * qs[j]
//   Q4_0 (18 bytes, 4.5 bits/weight):  d, qs[16] nibbles         w_j = d * (nibble_j - 8)
//        nibble order as GGML: weight j < 16 is the low nibble of qs[j], weight j + 16 its high nibble.
//   Q4_1 (20 bytes, 5 bits/weight):    d, m, qs[16] nibbles      w_j = d * nibble_j + m
//        (a per-block offset m: the block's minimum; same nibble order).
//
// The activations a matrix product multiplies them with are Q8_0 blocks too (quantized on the fly,
// see quant_matmul.h); Q4_1 products also need the block sums of those activations.
#pragma once
#include <cstdint>
#include <string>

namespace r1::kernels {

constexpr int64_t kQuantBlock = 32;  // weights per block, every format

struct BlockQ8_0 {
  uint16_t d;      // fp16 scale
  int8_t qs[32];
};
struct BlockQ4_0 {
  uint16_t d;      // fp16 scale
  uint8_t qs[16];  // two 4-bit values per byte, offset 8
};
struct BlockQ4_1 {
  uint16_t d;      // fp16 scale
  uint16_t m;      // fp16 offset (the block minimum)
  uint8_t qs[16];  // two unsigned 4-bit values per byte
};
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20,
              "GGML block layouts are packed: 34, 18 and 20 bytes");

enum class QuantType : uint8_t { q8_0, q4_0, q4_1 };

const char* quant_type_name(QuantType t);  // "q8_0", "q4_0", "q4_1"
// Parses a name above; throws r1::Error naming `where` and the accepted names otherwise.
QuantType parse_quant_type(const std::string& name, const std::string& where);
int64_t quant_block_bytes(QuantType t);
// Bytes of one row of `cols` weights; throws r1::Error naming `where` unless cols % 32 == 0.
int64_t quant_row_bytes(QuantType t, int64_t cols, const std::string& where = "quantized row");

}  // namespace r1::kernels
