// F32Linear: an fp32 projection frozen for inference (linear.h's "inference-only layer"), whose
// forward for the few rows of decode runs the AVX2 matrix-vector kernel of kernels/f32_matvec.h with
// the output rows split over a thread team, and whose forward for many rows is at::linear's (BLAS).
//
// forward(x [..., in]) -> [..., out] flattens x to N rows:
//   N <= max_kernel_batch (batch-1 decode, a few rows): the kernel, each weight read once per call in
//       address order; rows split over `threads` (kernels/row_split.h) or ATen's intra-op threads.
//       Why: ATen's mm at N = 1 is an sgemm with M = 1 whose panel packing streams the weights twice.
//   N >  max_kernel_batch (prefill, batched rollouts, scoring): torch::linear, compute-bound sgemm.
//   Under autograd (GradMode on and a weight or x that requires grad): torch::linear, so a gradient
//       is never silently lost.
// The weight and bias are the dense layer's own tensors (no copy), registered under the same names
// ("weight", "bias"), so named_parameters() and the bytes a step reads are unchanged.
//
// freeze_f32_for_inference installs it on a loaded model: every fp32 CPU DenseLinear projection, the
// fused QKV / gate+up layers (fusing them first, as the engine would) and a tied head (sharing the
// embedding table's storage). The plain path is the model as loaded (DenseLinear: torch::linear
// for every N), selected by io::InferenceLoad::f32_kernel; tests/model hold the two equal.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "model/causal_lm.h"
#include "model/linear.h"

namespace r1::model {

struct F32LinearConfig {
  // Rows of x up to which the kernel runs. `r1_bench_driver f32_linear` (1 thread, loaded machine):
  // against torch::linear the kernel is 5.3x / 2.0x / 0.67x at 1 / 4 / 8 rows on 896 -> 4864 (17 MB,
  // cache-warm), 3.7x / 2.4x / 1.1x on the 151 936 x 896 head (545 MB, streamed from DRAM).
  int64_t max_kernel_batch = 4;
  // Threads of the kernel's row split. 0: ATen's intra-op threads (at::parallel_for). N >= 1: a team
  // of N of its own (kernels/row_split.h), so decode can run ATen at 1 thread and the memory-bound
  // products on N cores. Bitwise the same output either way (each row is one thread's).
  int threads = 0;
};

class F32LinearImpl : public LinearLayer {
 public:
  // weight [out, in] fp32 on the CPU (contiguous, or copied to be), bias [out] fp32 or undefined.
  // `where` names the layer in errors.
  F32LinearImpl(const torch::Tensor& weight, const torch::Tensor& bias, const F32LinearConfig& cfg,
                const std::string& where = "F32Linear");
  torch::Tensor forward(const torch::Tensor& x) override;
  torch::Tensor dense_weight() const override { return weight; }
  torch::Tensor dense_bias() const override { return bias; }
  const F32LinearConfig& config() const { return cfg_; }

  torch::Tensor weight;  // [out, in]
  torch::Tensor bias;    // [out] or undefined

 private:
  torch::Tensor kernel_forward(const torch::Tensor& x2);  // [N, in] fp32 contiguous -> [N, out]
  F32LinearConfig cfg_;
};

// Replaces every projection under `model` that is a DenseLinear with an fp32 CPU weight by an
// F32Linear over the same tensors; fuses each projection group first (fuse_projections) and gives
// the group an F32Linear over the fused weight; a tied head (empty lm_head slot) gets an F32Linear
// over the fp32 embedding table. The model is then for inference only (linear.h). Requires
// kernels::f32_matvec_available(). Returns how many layers were installed (fused ones included).
int64_t freeze_f32_for_inference(CausalLMImpl& model, const F32LinearConfig& cfg);

}  // namespace r1::model
