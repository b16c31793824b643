#include "model/qwen2_llama.h"

namespace r1::model {

Qwen2LlamaDecoderLayerImpl::Qwen2LlamaDecoderLayerImpl(const ModelConfig& cfg) {
  const int64_t C = cfg.hidden_size;
  input_layernorm = register_module("input_layernorm", RMSNorm(C, cfg.rms_norm_eps));
  self_attn = register_module("self_attn", GQAttention(C, cfg.num_attention_heads, cfg.num_key_value_heads,
                                                       cfg.resolved_head_dim(), cfg.attention_bias));
  post_attention_layernorm = register_module("post_attention_layernorm", RMSNorm(C, cfg.rms_norm_eps));
  mlp = register_module("mlp", SwiGLU(C, cfg.intermediate_size));
}

torch::Tensor Qwen2LlamaDecoderLayerImpl::forward(torch::Tensor x, const LayerInput& in, int64_t il) {
  auto cur = input_layernorm(x);           in.cb(cur, "attn_norm", il);
  cur = self_attn->forward(cur, in);       in.cb(cur, "attn_out", il);
  x = x + cur;                             in.cb(x, "ffn_inp", il);
  cur = post_attention_layernorm(x);       in.cb(cur, "ffn_norm", il);
  cur = mlp->forward(cur);                 in.cb(cur, "ffn_out", il);
  x = x + cur;                             in.cb(x, "l_out", il);
  return x;
}

Qwen2LlamaForCausalLMImpl::Qwen2LlamaForCausalLMImpl(const ModelConfig& cfg)
    : CausalLMImpl(cfg, cfg.resolved_head_dim()) {
  for (int64_t il = 0; il < cfg.num_hidden_layers; ++il) {
    layers_.emplace_back(cfg);
    model->layers->push_back(layers_.back());
  }
}

torch::Tensor Qwen2LlamaForCausalLMImpl::decode(torch::Tensor x, LayerInput& in) {
  for (int64_t il = 0; il < static_cast<int64_t>(layers_.size()); ++il) {
    in.layer = il;
    x = layers_[il]->forward(x, in, il);  // [B, T, C]
  }
  return x;
}

LayerCache Qwen2LlamaForCausalLMImpl::make_layer_cache(int64_t layer, int64_t batch, int64_t capacity,
                                                      const torch::TensorOptions& opts) const {
  return layers_[layer]->self_attn->make_cache(batch, capacity, opts);
}

}  // namespace r1::model
