// Building blocks shared by every family: RMSNorm and the SwiGLU MLP, with Hugging Face parameter
// names (weight; gate_proj/up_proj/down_proj) so state dicts map to checkpoints one to one.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

namespace r1::model {

class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t dim, double eps);
  // x [..., C] -> [..., C]; the statistic is computed in fp32 whatever x's dtype.
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight;

 private:
  double eps_;
};
TORCH_MODULE(RMSNorm);

// The feed-forward half of a decoder layer: a dense SwiGLU or a mixture of experts (moe.h).
class FeedForwardModule : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;  // [B, T, C] -> [B, T, C]
};

class SwiGLUImpl : public FeedForwardModule {
 public:
  SwiGLUImpl(int64_t dim, int64_t hidden);
  // down(silu(gate(x)) * up(x)); x [..., C]
  torch::Tensor forward(const torch::Tensor& x) override;
  torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(SwiGLU);

}  // namespace r1::model
