#include "model/deepseek_v3.h"

namespace r1::model {

DeepseekV3DecoderLayerImpl::DeepseekV3DecoderLayerImpl(const ModelConfig& cfg, int64_t layer) {
  const auto& v3 = *cfg.deepseek_v3;
  const int64_t C = cfg.hidden_size;
  input_layernorm = register_module("input_layernorm", RMSNorm(C, cfg.rms_norm_eps));
  self_attn = register_module("self_attn", MLAttention(cfg, v3));
  post_attention_layernorm = register_module("post_attention_layernorm", RMSNorm(C, cfg.rms_norm_eps));
  // The first first_k_dense_replace layers are dense (R1_SPEC §6.2); MTP layers sit after
  // num_hidden_layers and so are MoE too.
  if (v3.n_routed_experts > 0 && layer >= v3.first_k_dense_replace)
    moe = register_module("mlp", MoE(C, v3));
  else
    dense_mlp = register_module("mlp", SwiGLU(C, cfg.intermediate_size));
}

torch::Tensor DeepseekV3DecoderLayerImpl::forward(torch::Tensor x, const LayerInput& in, int64_t il) {
  auto cur = input_layernorm(x);                                   in.cb(cur, "attn_norm", il);
  cur = self_attn->forward(cur, in);                               in.cb(cur, "attn_out", il);
  x = x + cur;                                                     in.cb(x, "ffn_inp", il);
  cur = post_attention_layernorm(x);                               in.cb(cur, "ffn_norm", il);
  cur = moe ? moe->forward(cur, in.valid) : dense_mlp->forward(cur); in.cb(cur, "ffn_out", il);
  x = x + cur;                                                     in.cb(x, "l_out", il);
  return x;
}

SharedHeadImpl::SharedHeadImpl(int64_t dim, double eps) { norm = register_module("norm", RMSNorm(dim, eps)); }

MTPLayerImpl::MTPLayerImpl(const ModelConfig& cfg, int64_t layer) : DeepseekV3DecoderLayerImpl(cfg, layer), layer_(layer) {
  const int64_t C = cfg.hidden_size;
  enorm = register_module("enorm", RMSNorm(C, cfg.rms_norm_eps));
  hnorm = register_module("hnorm", RMSNorm(C, cfg.rms_norm_eps));
  add_projection("eh_proj", eh_proj, 2 * C, C, false);
  shared_head = register_module("shared_head", SharedHead(C, cfg.rms_norm_eps));
}

torch::Tensor MTPLayerImpl::forward_mtp(const torch::Tensor& h_prev, const torch::Tensor& emb, const LayerInput& in) {
  auto x = eh_proj->forward(torch::cat({enorm(emb), hnorm(h_prev)}, -1));  // [B, L, C]
  return forward(x, in, layer_);
}

DeepseekV3ForCausalLMImpl::DeepseekV3ForCausalLMImpl(const ModelConfig& cfg)
    : CausalLMImpl(cfg, cfg.deepseek_v3->qk_rope_head_dim) {
  for (int64_t il = 0; il < cfg.num_hidden_layers; ++il) {
    layers_.emplace_back(cfg, il);
    model->layers->push_back(layers_.back());
  }
  for (int64_t k = 0; k < cfg.deepseek_v3->num_nextn_predict_layers; ++k) {
    mtp_.emplace_back(cfg, cfg.num_hidden_layers + k);
    model->layers->push_back(mtp_.back());
  }
}

torch::Tensor DeepseekV3ForCausalLMImpl::decode(torch::Tensor x, LayerInput& in) {
  for (int64_t il = 0; il < static_cast<int64_t>(layers_.size()); ++il) {
    in.layer = il;
    x = layers_[il]->forward(x, in, il);  // [B, T, C]
  }
  return x;
}

LayerCache DeepseekV3ForCausalLMImpl::make_layer_cache(int64_t layer, int64_t batch, int64_t capacity,
                                                      const torch::TensorOptions& opts) const {
  return layers_[layer]->self_attn->make_cache(batch, capacity, opts);
}

}  // namespace r1::model
