#include "model/mla.h"

#include <cmath>
#include <limits>

namespace r1::model {

MLAttentionImpl::MLAttentionImpl(const ModelConfig& cfg, const DeepSeekV3Config& v3)
    : heads_(cfg.num_attention_heads), q_lora_rank_(v3.q_lora_rank), kv_lora_rank_(v3.kv_lora_rank),
      nope_dim_(v3.qk_nope_head_dim), rope_dim_(v3.qk_rope_head_dim), v_dim_(v3.v_head_dim),
      interleave_(v3.rope_interleave) {
  const int64_t C = cfg.hidden_size;
  const int64_t qk_dim = nope_dim_ + rope_dim_;
  // Biases as Hugging Face's DeepseekV3Attention: attention_bias on q_a, kv_a and o; never on the
  // up-projections (q_b, kv_b) or the direct q_proj.
  if (q_lora_rank_ > 0) {
    add_projection("q_a_proj", q_a_proj, C, q_lora_rank_, cfg.attention_bias);
    q_a_layernorm = register_module("q_a_layernorm", RMSNorm(q_lora_rank_, cfg.rms_norm_eps));
    add_projection("q_b_proj", q_b_proj, q_lora_rank_, heads_ * qk_dim, false);
  } else {
    add_projection("q_proj", q_proj, C, heads_ * qk_dim, false);
  }
  add_projection("kv_a_proj_with_mqa", kv_a_proj_with_mqa, C, kv_lora_rank_ + rope_dim_, cfg.attention_bias);
  kv_a_layernorm = register_module("kv_a_layernorm", RMSNorm(kv_lora_rank_, cfg.rms_norm_eps));
  add_projection("kv_b_proj", kv_b_proj, kv_lora_rank_, heads_ * (nope_dim_ + v_dim_), false);
  add_projection("o_proj", o_proj, heads_ * v_dim_, C, cfg.attention_bias);
  add_projection_group(first_);
  scale_ = 1.0 / std::sqrt(static_cast<double>(qk_dim)) * deepseek_softmax_scale_factor(cfg.rope_scaling);
}

LayerCache MLAttentionImpl::make_cache(int64_t batch, int64_t capacity, const torch::TensorOptions& opts) const {
  return {torch::zeros({batch, capacity, kv_lora_rank_}, opts), torch::zeros({batch, capacity, rope_dim_}, opts),
          /*seq_dim=*/1};
}

torch::Tensor MLAttentionImpl::forward(const torch::Tensor& x, const LayerInput& in) {
  const auto B = x.size(0), T = x.size(1);
  auto first = first_(x);
  auto q = q_lora_rank_ > 0 ? q_b_proj->forward(q_a_layernorm(first[0])) : first[0];
  q = q.view({B, T, heads_, nope_dim_ + rope_dim_}).transpose(1, 2);            // [B, H, T, dn + dr]
  auto q_nope = q.narrow(-1, 0, nope_dim_);                                        // [B, H, T, dn]
  auto q_pe = apply_rotary(q.narrow(-1, nope_dim_, rope_dim_), in.rope, interleave_);  // [B, H, T, dr]

  auto kv = first[1];                                                              // [B, T, r + dr]
  auto c_kv = kv_a_layernorm(kv.narrow(-1, 0, kv_lora_rank_));                     // [B, T, r]
  auto k_pe = apply_rotary(kv.narrow(-1, kv_lora_rank_, rope_dim_).unsqueeze(1), in.rope, interleave_)
                  .squeeze(1);                                                     // [B, T, dr]
  if (in.cache != nullptr) {
    auto& slot = in.cache->layers[in.layer];
    c_kv = append_to_cache(slot.a, c_kv, 1, in);                                   // [B, S, r]
    k_pe = append_to_cache(slot.b, k_pe, 1, in);                                   // [B, S, dr]
  }
  auto out = path_ == MLAPath::absorbed ? attend_absorbed(q_nope, q_pe, c_kv, k_pe, in.mask)
                                        : attend_naive(q_nope, q_pe, c_kv, k_pe, in.mask);  // [B, H, T, dv]
  return o_proj->forward(out.transpose(1, 2).reshape({B, T, heads_ * v_dim_}));
}

torch::Tensor MLAttentionImpl::attend_naive(const torch::Tensor& q_nope, const torch::Tensor& q_pe,
                                            const torch::Tensor& c_kv, const torch::Tensor& k_pe,
                                            const torch::Tensor& mask) {
  const auto B = c_kv.size(0), S = c_kv.size(1);
  auto kv = kv_b_proj->forward(c_kv).view({B, S, heads_, nope_dim_ + v_dim_}).transpose(1, 2);  // [B, H, S, dn + dv]
  auto k = torch::cat({kv.narrow(-1, 0, nope_dim_), k_pe.unsqueeze(1).expand({B, heads_, S, rope_dim_})}, -1);
  auto v = kv.narrow(-1, nope_dim_, v_dim_);                                           // [B, H, S, dv]
  return scaled_attention(torch::cat({q_nope, q_pe}, -1), k, v, mask, scale_);
}

torch::Tensor MLAttentionImpl::attend_absorbed(const torch::Tensor& q_nope, const torch::Tensor& q_pe,
                                               const torch::Tensor& c_kv, const torch::Tensor& k_pe,
                                               const torch::Tensor& mask) {
  const auto B = q_nope.size(0), H = heads_, T = q_nope.size(2), S = c_kv.size(1);
  // kv_b_proj's weight [H * (dn + dv), r] viewed per head: rows 0..dn-1 are W_UK, the rest W_UV.
  auto w = kv_b_proj->dense_weight().reshape({H, nope_dim_ + v_dim_, kv_lora_rank_});
  auto w_uk = w.narrow(1, 0, nope_dim_);                                           // [H, dn, r]
  auto w_uv = w.narrow(1, nope_dim_, v_dim_);                                      // [H, dv, r]
  // q_nope · k_nope_s = q_nope · (W_UK c_s) = (q_nope W_UK) · c_s: the query moves into latent space.
  auto q_lat = torch::matmul(q_nope, w_uk);                                        // [B, H, T, r]
  // Heads and query steps fold into one batch row so both products are plain bmm against the cache.
  auto scores = torch::bmm(q_lat.reshape({B, H * T, kv_lora_rank_}), c_kv.transpose(1, 2)) +
                torch::bmm(q_pe.reshape({B, H * T, rope_dim_}), k_pe.transpose(1, 2));  // [B, H*T, S]
  scores = scores.view({B, H, T, S}) * scale_;
  auto compute = scores.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  scores = scores.to(compute);
  if (mask.defined()) scores = scores.masked_fill(~mask, -std::numeric_limits<double>::infinity());
  auto probs = torch::softmax(scores, -1).to(c_kv.scalar_type());
  auto o_lat = torch::bmm(probs.view({B, H * T, S}), c_kv).view({B, H, T, kv_lora_rank_});  // [B, H, T, r]
  // out_h = W_UV_h o_lat_h: the value up-projection applied once per query instead of per key.
  return torch::matmul(o_lat, w_uv.transpose(1, 2));                               // [B, H, T, dv]
}

void set_mla_path(torch::nn::Module& model, MLAPath path) {
  for (const auto& m : model.modules())
    if (auto* mla = dynamic_cast<MLAttentionImpl*>(m.get())) mla->set_path(path);
}

}  // namespace r1::model
