// Building blocks shared by every family: RMSNorm and the SwiGLU MLP, with Hugging Face parameter
// names (weight; gate_proj/up_proj/down_proj) so state dicts map to checkpoints one to one.
#pragma once
#include <torch/nn/module.h>

#include "model/linear.h"

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

// down(silu(gate(x)) * up(x)); gate and up form one projection group ("gate_up_proj").
class SwiGLUImpl : public ProjectionOwner {
 public:
  SwiGLUImpl(int64_t dim, int64_t hidden);
  // x [..., C] -> [..., C]
  torch::Tensor forward(const torch::Tensor& x);
  LinearPtr gate_proj, up_proj, down_proj;

 private:
  ProjectionGroup gate_up_{"gate_up_proj", {&gate_proj, &up_proj}};
};
TORCH_MODULE(SwiGLU);

}  // namespace r1::model
