#include "model/layers.h"

#include <torch/nn/functional/activation.h>

namespace r1::model {

RMSNormImpl::RMSNormImpl(int64_t dim, double eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  // Statistics in fp32 (fp64 stays fp64); no conversion ops when x is already one of them.
  const bool wide = x.scalar_type() == torch::kFloat64 || x.scalar_type() == torch::kFloat32;
  auto xf = wide ? x : x.to(torch::kFloat32);
  auto normed = xf * torch::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps_);
  return weight * (wide ? normed : normed.to(x.scalar_type()));
}

SwiGLUImpl::SwiGLUImpl(int64_t dim, int64_t hidden) {
  add_projection("gate_proj", gate_proj, dim, hidden, false);
  add_projection("up_proj", up_proj, dim, hidden, false);
  add_projection("down_proj", down_proj, hidden, dim, false);
  add_projection_group(gate_up_);
}

torch::Tensor SwiGLUImpl::forward(const torch::Tensor& x) {
  auto gate_up = gate_up_(x);
  return down_proj->forward(torch::silu(gate_up[0]) * gate_up[1]);
}

}  // namespace r1::model
