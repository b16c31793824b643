// Matrix products on block-quantized weights: Y [B, N] = X [B, K] · Wᵀ, W [N, K] in Q8_0 / Q4_0 /
// Q4_1 rows (quant_blocks.h), fp32 X and Y, for the matrix-vector product of decoding (B = 1) and the
// small batches of batched decoding (B up to ~64). Each call computes a range of output rows
// [row_begin, row_end), so the caller splits the rows across threads (at::parallel_for) and the
// activations are quantized once per product, not once per thread.
//
// Two activation formats, chosen by QuantKernelConfig::activations:
//   q8_0: X is quantized to Q8_0 blocks as llama.cpp's CPU backend does (ggml-cpu quantize_row_q8_0:
//         d = amax/127 stored as fp16, q = round-half-even(x * 127/amax)), and each block product is
//         an exact integer dot product scaled by d_w * d_x — llama.cpp's vec_dot_q8_0_q8_0 /
//         vec_dot_q4_0_q8_0 arithmetic. Error against the exact product with the dequantized weights
//         w' (y* = Σ_j w'_j x_j), per output, over the K/32 blocks k of the row:
//             |y - y*| <= (0.5 + 127·2^-11) · Σ_k (amax_k(x) / 127) · Σ_{j in k} |w'_j|  +  ε
//         (rounding x to 8 bits, and d_x to fp16), where ε is the float summation error below.
//   f32:  X stays fp32; each block's weights are widened and multiplied in float: no activation
//         error, ε only.
// Float summation error: ε <= γ(K/32 + 40) · T with γ(n) = n·2^-24 / (1 - n·2^-24) and T the sum of
// the magnitudes of the terms (q8_0: Σ_k |d_w d_x| Σ_j |q_w q_x| (+ Σ_k |m_k d_x Σ_j q_x| for Q4_1);
// f32: Σ_j |w'_j x_j|).
//
// Two code paths, chosen by QuantKernelConfig::path, compute the same terms in a different order:
//   reference: portable scalar C++, one block after another;
//   avx2:      AVX2 + FMA (x86-64, detected at run time): 8 float lanes per accumulator, several
//              weight rows or activation rows per tile.
// Integer block dot products are exact in both, and the quantized activations are bitwise equal; the
// outputs differ only by float summation order, so |y_reference - y_avx2| <= 2ε (tests/kernels hold
// this bound, and the GGML bit-compatibility of every format).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/quant_blocks.h"

namespace r1::kernels {

enum class KernelPath : uint8_t { reference, avx2 };
enum class ActivationFormat : uint8_t { q8_0, f32 };

const char* kernel_path_name(KernelPath p);               // "reference", "avx2"
const char* activation_format_name(ActivationFormat a);   // "q8_0", "f32"
// Whether this binary and this CPU can run `p` (avx2 needs an x86-64 build and a CPU with AVX2 and FMA).
bool kernel_path_available(KernelPath p);
// avx2 when available, else reference.
KernelPath best_kernel_path();

// Which kernel runs a quantized product: one setting per model (validated once, at load).
struct QuantKernelConfig {
  // "auto" (the fastest available), "reference" or "avx2" (an error on a CPU without AVX2/FMA).
  std::string path = "auto";
  // "q8_0" (llama.cpp's arithmetic; ~2x less compute than f32, see bench/quant_bench.cpp) or "f32".
  std::string activations = "q8_0";
};
struct ResolvedKernel {
  KernelPath path = KernelPath::reference;
  ActivationFormat activations = ActivationFormat::q8_0;
};
// Throws r1::Error naming `where` (e.g. "config key model.quant_kernel") for an unknown name or an
// unavailable path.
ResolvedKernel resolve_kernel(const QuantKernelConfig& c, const std::string& where);

// A quantized weight matrix W [rows, cols], row-major: row r is row_bytes() bytes at data + r * row_bytes().
// The memory is borrowed (a mapped GGUF tensor, a buffer of the model layer).
struct QuantMatrix {
  QuantType type = QuantType::q8_0;
  int64_t rows = 0;
  int64_t cols = 0;  // K, a multiple of 32
  const uint8_t* data = nullptr;

  int64_t row_bytes() const;
  const uint8_t* row(int64_t r) const { return data + r * row_bytes(); }
};

// Activations X [batch, cols] quantized to Q8_0, with per-block values the kernels would otherwise
// recompute for every weight row: each block's integer sum (Q4_1's offset), its scale as fp32, and
// the sums of its 8 groups of 4 consecutive values (Q4_0's offset of 8, applied to the integer
// partial sums so they stay exact).
struct Q8Activations {
  int64_t batch = 0;
  int64_t cols = 0;
  std::vector<BlockQ8_0> blocks;  // [batch, cols / 32]
  std::vector<int32_t> sums;      // [batch, cols / 32]: Σ_j qs[j] of each block
  std::vector<float> scales;      // [batch, cols / 32]: fp16_to_fp32(d) of each block
  std::vector<int32_t> quads;     // [batch, cols / 32, 8]: quads[g] = Σ_{j = 4g}^{4g+3} qs[j]

  const BlockQ8_0* row(int64_t b) const { return blocks.data() + b * (cols / kQuantBlock); }
  const int32_t* row_sums(int64_t b) const { return sums.data() + b * (cols / kQuantBlock); }
};

// x: [batch, cols] fp32, row-major; cols a multiple of 32. Both paths give the same bytes.
void quantize_activations(const float* x, int64_t batch, int64_t cols, Q8Activations& out, KernelPath path);

// y[b * ldy + r] = Σ_k W[r, k] · X[b, k] for r in [row_begin, row_end) and every b < x.batch.
void quant_matmul_rows(const QuantMatrix& w, const Q8Activations& x, float* y, int64_t ldy, int64_t row_begin,
                       int64_t row_end, KernelPath path);
// The same with fp32 activations x: [batch, w.cols], row-major.
void quant_matmul_rows_f32(const QuantMatrix& w, const float* x, int64_t batch, float* y, int64_t ldy,
                           int64_t row_begin, int64_t row_end, KernelPath path);

// The whole product on the calling thread: y [batch, w.rows] = x [batch, w.cols] · Wᵀ.
void quant_matmul(const QuantMatrix& w, const float* x, int64_t batch, float* y, const ResolvedKernel& k);

}  // namespace r1::kernels
