// QuantLinear: a projection whose weight W [out, in] is held as GGML blocks (Q8_0, Q4_0 or Q4_1
// rows, kernels/quant_blocks.h; in a multiple of 32) and whose activations stay fp32 — the
// inference-only layer linear.h describes, built by quantize_model.h.
//
// forward(x [..., in]) -> [..., out] flattens x to N rows and takes one of two paths:
//   N <= max_kernel_batch (decode: batch 1 to a few rows): the block kernel (kernels/quant_matmul.h),
//       activations quantized once per call, the output rows split over the intra-op threads.
//       Reads ~1.06 (Q8_0) / ~0.56 (Q4_0) bytes per weight: what makes bandwidth-bound decode fast.
//   N >  max_kernel_batch (prefill, scoring): tiles of W dequantized to fp32 (a few MB each) and
//       multiplied with sgemm, where the product is compute-bound and the block kernel's integer
//       dot products would be far slower than BLAS. The result is x · W'ᵀ with the dequantized W'
//       exactly (no activation rounding).
// Both paths compute with the same dequantized weights W' (dense_weight()); the kernel path with
// q8_0 activations adds only the activation rounding kernels/quant_matmul.h bounds.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "kernels/quant_blocks.h"
#include "kernels/quant_matmul.h"
#include "model/linear.h"

namespace r1::model {

struct QuantLinearConfig {
  kernels::ResolvedKernel kernel;  // reference or avx2 path, q8_0 or f32 activations
  // Rows of x up to which the block kernel runs; above it, dequantized tiles and sgemm.
  // `r1_bench_driver quant_linear` on the 0.5B MLP shape (896 -> 4864, one thread): the kernel is
  // 13x (Q8_0) / 17x (Q4_0) faster at 1 row, 3x / 4x at 8, even (Q8_0) / 1.5x (Q4_0) at 32, and
  // Q8_0's tiles win 2x at 64.
  int64_t max_kernel_batch = 32;
  // Threads of the block kernel's row split. 0: ATen's intra-op threads (at::parallel_for), the
  // plain path. N >= 1: a team of N of its own (kernels/row_split.h), whatever ATen's setting — so
  // decode can run ATen at 1 thread and the memory-bound products on both cores. The output is
  // bitwise the same either way (each row is one thread's, computed by the same code).
  int threads = 0;
};

class QuantLinearImpl : public LinearLayer {
 public:
  // Quantizes weight [out, in] (float32, bfloat16 or float16, e.g. a view of a mapped checkpoint;
  // in % 32 == 0) row by row as ggml's reference quantizers do; bias [out] (kept in fp32) or
  // undefined. `where` names the tensor in errors.
  QuantLinearImpl(kernels::QuantType type, const torch::Tensor& weight, const torch::Tensor& bias,
                  const QuantLinearConfig& cfg, const std::string& where = "QuantLinear");
  // A layer over blocks quantized before (a quantized checkpoint, io/quantized_checkpoint.h): uint8
  // [out, row_bytes(type, in)], copied; bias as above.
  static std::shared_ptr<QuantLinearImpl> from_blocks(kernels::QuantType type, int64_t in, const torch::Tensor& blocks,
                                                      const torch::Tensor& bias, const QuantLinearConfig& cfg,
                                                      const std::string& where = "QuantLinear");
  torch::Tensor forward(const torch::Tensor& x) override;
  torch::Tensor dense_weight() const override;  // W' [out, in] fp32, dequantized
  torch::Tensor dense_bias() const override { return bias_; }

  kernels::QuantType type() const { return type_; }
  const QuantLinearConfig& config() const { return cfg_; }
  void set_config(const QuantLinearConfig& cfg) { cfg_ = cfg; }
  // The blocks as the kernels read them (borrowed from this layer).
  kernels::QuantMatrix matrix() const;
  int64_t weight_bytes() const { return blocks_.numel(); }
  const torch::Tensor& blocks() const { return blocks_; }  // uint8 [out, row_bytes]

 private:
  QuantLinearImpl(kernels::QuantType type, int64_t in, int64_t out, const QuantLinearConfig& cfg)
      : LinearLayer(in, out), type_(type), cfg_(cfg) {}
  void set_bias(const torch::Tensor& bias, const std::string& where);
  torch::Tensor kernel_forward(const torch::Tensor& x2);  // [N, in] fp32 contiguous -> [N, out]
  torch::Tensor tiled_forward(const torch::Tensor& x2);

  kernels::QuantType type_;
  QuantLinearConfig cfg_;
  // uint8 [out, row_bytes]: not a registered buffer, since quantized blocks are not checkpoint
  // tensors (a quantized model is for inference only, linear.h).
  torch::Tensor blocks_;
  torch::Tensor bias_;  // [out] fp32 or undefined
};

}  // namespace r1::model
