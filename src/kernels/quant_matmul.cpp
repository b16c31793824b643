// The reference path of quant_matmul.h (plain scalar loops, one block after another) and the
// dispatch to the AVX2 path.
#include "kernels/quant_matmul.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/half.h"
#include "kernels/quant_matmul_avx2.h"
#include "kernels/quantize.h"

namespace r1::kernels {
namespace {

// Block k of a weight row as integers: q8_0 and q4_0 signed values (w = d * q), q4_1 unsigned
// nibbles (w = d * q + m).
struct BlockInts {
  int32_t q[kQuantBlock];
  float d = 0;
  float m = 0;
};

BlockInts unpack_block(QuantType t, const uint8_t* p) {
  BlockInts b;
  switch (t) {
    case QuantType::q8_0: {
      const auto& blk = *reinterpret_cast<const BlockQ8_0*>(p);
      b.d = fp16_to_fp32(blk.d);
      for (int j = 0; j < 32; ++j) b.q[j] = blk.qs[j];
      break;
    }
    case QuantType::q4_0: {
      const auto& blk = *reinterpret_cast<const BlockQ4_0*>(p);
      b.d = fp16_to_fp32(blk.d);
      for (int j = 0; j < 16; ++j) {
        b.q[j] = (blk.qs[j] & 0x0f) - 8;
        b.q[j + 16] = (blk.qs[j] >> 4) - 8;
      }
      break;
    }
    case QuantType::q4_1: {
      const auto& blk = *reinterpret_cast<const BlockQ4_1*>(p);
      b.d = fp16_to_fp32(blk.d);
      b.m = fp16_to_fp32(blk.m);
      for (int j = 0; j < 16; ++j) {
        b.q[j] = blk.qs[j] & 0x0f;
        b.q[j + 16] = blk.qs[j] >> 4;
      }
      break;
    }
  }
  return b;
}

void quantize_activations_reference(const float* x, int64_t batch, int64_t cols, BlockQ8_0* blocks, int32_t* sums,
                                    float* scales, int32_t* quads) {
  const int64_t n = batch * (cols / kQuantBlock);
  for (int64_t i = 0; i < n; ++i) {
    const float* v = x + i * kQuantBlock;
    float amax = 0.0f;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(v[j]));
    blocks[i].d = fp32_to_fp16(amax / 127.f);
    const float id = amax != 0.0f ? 127.f / amax : 0.0f;
    int32_t s = 0;
    for (int j = 0; j < 32; ++j) {
      blocks[i].qs[j] = static_cast<int8_t>(std::nearbyint(v[j] * id));  // ties to even, as vroundps
      s += blocks[i].qs[j];
      quads[i * 8 + j / 4] = (j % 4 == 0 ? 0 : quads[i * 8 + j / 4]) + blocks[i].qs[j];
    }
    sums[i] = s;
    scales[i] = fp16_to_fp32(blocks[i].d);
  }
}

float dot_q8_reference(QuantType t, const uint8_t* wrow, int64_t nb, const BlockQ8_0* xb, const int32_t* xs) {
  const int64_t bytes = quant_block_bytes(t);
  float sum = 0.0f;
  for (int64_t k = 0; k < nb; ++k) {
    const BlockInts w = unpack_block(t, wrow + k * bytes);
    int32_t isum = 0;
    for (int j = 0; j < 32; ++j) isum += w.q[j] * xb[k].qs[j];
    const float dx = fp16_to_fp32(xb[k].d);
    sum += (w.d * dx) * static_cast<float>(isum);
    if (t == QuantType::q4_1) sum += w.m * (dx * static_cast<float>(xs[k]));
  }
  return sum;
}

float dot_f32_reference(QuantType t, const uint8_t* wrow, int64_t nb, const float* x) {
  const int64_t bytes = quant_block_bytes(t);
  float sum = 0.0f;
  for (int64_t k = 0; k < nb; ++k) {
    const BlockInts w = unpack_block(t, wrow + k * bytes);
    const float* xk = x + k * kQuantBlock;
    float s = 0.0f;
    for (int j = 0; j < 32; ++j) s += static_cast<float>(w.q[j]) * xk[j];
    sum += w.d * s;
    if (t == QuantType::q4_1) {
      float sx = 0.0f;
      for (int j = 0; j < 32; ++j) sx += xk[j];
      sum += w.m * sx;
    }
  }
  return sum;
}

void check_rows(const QuantMatrix& w, int64_t row_begin, int64_t row_end, int64_t ldy) {
  check(0 <= row_begin && row_begin <= row_end && row_end <= w.rows, "quant_matmul",
        "row range [" + std::to_string(row_begin) + ", " + std::to_string(row_end) + ") outside the matrix's " +
            std::to_string(w.rows) + " rows");
  check(ldy >= w.rows, "quant_matmul", "output stride " + std::to_string(ldy) + " < rows " + std::to_string(w.rows));
}

avx2::Weights raw(const QuantMatrix& w) { return {w.type, w.data, w.row_bytes(), w.cols}; }

}  // namespace

const char* kernel_path_name(KernelPath p) { return p == KernelPath::avx2 ? "avx2" : "reference"; }
const char* activation_format_name(ActivationFormat a) { return a == ActivationFormat::f32 ? "f32" : "q8_0"; }

bool kernel_path_available(KernelPath p) { return p == KernelPath::reference || avx2::cpu_supported(); }

KernelPath best_kernel_path() { return avx2::cpu_supported() ? KernelPath::avx2 : KernelPath::reference; }

ResolvedKernel resolve_kernel(const QuantKernelConfig& c, const std::string& where) {
  ResolvedKernel k;
  if (c.path == "auto")
    k.path = best_kernel_path();
  else if (c.path == "reference")
    k.path = KernelPath::reference;
  else if (c.path == "avx2")
    k.path = KernelPath::avx2;
  else
    throw Error(where, "unknown kernel path '" + c.path + "' (expected auto, reference or avx2)");
  check(kernel_path_available(k.path), where,
        "this CPU (or this build) has no AVX2/FMA/F16C: use path auto or reference");
  if (c.activations == "q8_0")
    k.activations = ActivationFormat::q8_0;
  else if (c.activations == "f32")
    k.activations = ActivationFormat::f32;
  else
    throw Error(where, "unknown activation format '" + c.activations + "' (expected q8_0 or f32)");
  return k;
}

int64_t QuantMatrix::row_bytes() const { return quant_row_bytes(type, cols, "quantized matrix"); }

void quantize_activations(const float* x, int64_t batch, int64_t cols, Q8Activations& out, KernelPath path) {
  quant_row_bytes(QuantType::q8_0, cols, "quantize_activations");
  out.batch = batch;
  out.cols = cols;
  out.blocks.resize(static_cast<size_t>(batch * (cols / kQuantBlock)));
  out.sums.resize(out.blocks.size());
  out.scales.resize(out.blocks.size());
  out.quads.resize(out.blocks.size() * 8);
  auto* q = path == KernelPath::avx2 ? avx2::quantize_activations : quantize_activations_reference;
  q(x, batch, cols, out.blocks.data(), out.sums.data(), out.scales.data(), out.quads.data());
}

void quant_matmul_rows(const QuantMatrix& w, const Q8Activations& x, float* y, int64_t ldy, int64_t row_begin,
                       int64_t row_end, KernelPath path) {
  check(x.cols == w.cols, "quant_matmul", "activations have " + std::to_string(x.cols) + " columns, weights " +
                                              std::to_string(w.cols));
  check_rows(w, row_begin, row_end, ldy);
  if (path == KernelPath::avx2)
    return avx2::matmul_rows(raw(w), {x.blocks.data(), x.sums.data(), x.scales.data(), x.quads.data(), x.batch}, y, ldy,
                             row_begin, row_end);
  const int64_t nb = w.cols / kQuantBlock;
  for (int64_t b = 0; b < x.batch; ++b)
    for (int64_t r = row_begin; r < row_end; ++r)
      y[b * ldy + r] = dot_q8_reference(w.type, w.row(r), nb, x.row(b), x.row_sums(b));
}

void quant_matmul_rows_f32(const QuantMatrix& w, const float* x, int64_t batch, float* y, int64_t ldy,
                           int64_t row_begin, int64_t row_end, KernelPath path) {
  check_rows(w, row_begin, row_end, ldy);
  if (path == KernelPath::avx2) return avx2::matmul_rows_f32(raw(w), x, batch, y, ldy, row_begin, row_end);
  const int64_t nb = w.cols / kQuantBlock;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t r = row_begin; r < row_end; ++r) y[b * ldy + r] = dot_f32_reference(w.type, w.row(r), nb, x + b * w.cols);
}

void quant_matmul(const QuantMatrix& w, const float* x, int64_t batch, float* y, const ResolvedKernel& k) {
  if (k.activations == ActivationFormat::f32) return quant_matmul_rows_f32(w, x, batch, y, w.rows, 0, w.rows, k.path);
  Q8Activations xq;
  quantize_activations(x, batch, w.cols, xq, k.path);
  quant_matmul_rows(w, xq, y, w.rows, 0, w.rows, k.path);
}

}  // namespace r1::kernels
