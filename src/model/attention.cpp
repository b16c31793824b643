#include "model/attention.h"

#include <cmath>

namespace r1::model {

torch::Tensor scaled_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& mask, double scale) {
  const auto B = q.size(0), H = q.size(1), T = q.size(2), Hkv = k.size(1);
  const auto G = H / Hkv;
  auto qg = q.view({B, Hkv, G, T, q.size(3)});                                   // [B, Hkv, G, T, D]
  auto scores = torch::matmul(qg, k.unsqueeze(2).transpose(-1, -2)) * scale;    // [B, Hkv, G, T, S]
  auto compute = scores.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  scores = scores.to(compute).masked_fill(~mask.unsqueeze(1), -std::numeric_limits<double>::infinity());
  auto probs = torch::softmax(scores, -1).to(v.scalar_type());
  auto out = torch::matmul(probs, v.unsqueeze(2));                               // [B, Hkv, G, T, Dv]
  return out.view({B, H, T, v.size(-1)});
}

GQAttention::GQAttention(const ModelConfig& cfg)
    : heads_(cfg.num_attention_heads), kv_heads_(cfg.num_key_value_heads), head_dim_(cfg.resolved_head_dim()),
      interleave_(cfg.rope_interleave) {
  const int64_t C = cfg.hidden_size;
  auto lin = [&](int64_t in, int64_t out, bool bias) {
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
  };
  q_proj = register_module("q_proj", lin(C, heads_ * head_dim_, cfg.attention_bias));
  k_proj = register_module("k_proj", lin(C, kv_heads_ * head_dim_, cfg.attention_bias));
  v_proj = register_module("v_proj", lin(C, kv_heads_ * head_dim_, cfg.attention_bias));
  o_proj = register_module("o_proj", lin(heads_ * head_dim_, C, false));
  scale_ = 1.0 / std::sqrt(static_cast<double>(head_dim_)) * yarn_softmax_scale_factor(cfg.rope_scaling);
}

LayerCache GQAttention::make_cache(int64_t batch, int64_t capacity, const torch::TensorOptions& opts) const {
  return {torch::zeros({batch, kv_heads_, capacity, head_dim_}, opts),
          torch::zeros({batch, kv_heads_, capacity, head_dim_}, opts)};
}

torch::Tensor GQAttention::forward(const torch::Tensor& x, const AttentionInput& in) {
  const auto B = x.size(0), T = x.size(1);
  auto q = q_proj(x).view({B, T, heads_, head_dim_}).transpose(1, 2);     // [B, H, T, D]
  auto k = k_proj(x).view({B, T, kv_heads_, head_dim_}).transpose(1, 2);  // [B, Hkv, T, D]
  auto v = v_proj(x).view({B, T, kv_heads_, head_dim_}).transpose(1, 2);
  q = apply_rotary(q, in.rope, interleave_);
  k = apply_rotary(k, in.rope, interleave_);
  if (in.cache != nullptr) {
    auto& slot = in.cache->layers[in.layer];
    slot.a.narrow(2, in.offset, T).copy_(k);
    slot.b.narrow(2, in.offset, T).copy_(v);
    k = slot.a.narrow(2, 0, in.offset + T);  // [B, Hkv, S, D]
    v = slot.b.narrow(2, 0, in.offset + T);
  }
  auto out = scaled_attention(q, k, v, in.mask, scale_);                 // [B, H, T, D]
  return o_proj(out.transpose(1, 2).reshape({B, T, heads_ * head_dim_}));
}

}  // namespace r1::model
