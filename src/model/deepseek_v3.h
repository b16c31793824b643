// DeepSeek-V3 (and R1): Multi-head Latent Attention in every layer, a dense SwiGLU in the first
// first_k_dense_replace layers and DeepSeekMoE after them, then num_nextn_predict_layers
// multi-token-prediction modules (training only), as DeepSeek-V3's inference/model.py and Hugging
// Face's modeling_deepseek_v3.py assemble them. Settings: ModelConfig::deepseek_v3.
//
// Multi-token prediction (DeepSeek-V3 §2.2, R1_SPEC §6.6): module k (1-based) combines the previous
// depth's hidden state h_i with the embedding of token i+k,
//   h'_i = eh_proj([enorm(Emb(t_{i+k})) ; hnorm(h_i)])            (order as the released weights)
// runs one full decoder block (MLA + MoE) over h', and predicts t_{i+k+1} through its own
// shared_head.norm and the main model's output head (mtp.h computes the loss). Hugging Face layout:
// the modules are model.layers.{num_hidden_layers + k - 1}.{enorm, hnorm, eh_proj, shared_head.norm,
// input_layernorm, self_attn.*, post_attention_layernorm, mlp.*}. The checkpoint's
// model.layers.N.embed_tokens and shared_head.head are copies of the main embedding and lm_head and
// are not separate parameters here (a loader skips them). forward / hidden_states / the KV cache never
// run these modules.
#pragma once
#include <vector>

#include "model/causal_lm.h"
#include "model/layers.h"
#include "model/mla.h"
#include "model/moe.h"

namespace r1::model {

class DeepseekV3DecoderLayerImpl : public ProjectionOwner {
 public:
  DeepseekV3DecoderLayerImpl(const ModelConfig& cfg, int64_t layer);
  // x [B, T, C] -> [B, T, C]: x += mla(norm(x)); x += ffn(norm(x)); il names intermediates.
  torch::Tensor forward(torch::Tensor x, const LayerInput& in, int64_t il);

  RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  MLAttention self_attn{nullptr};
  // Exactly one is set, registered as "mlp": the dense SwiGLU of the first layers, or the MoE.
  SwiGLU dense_mlp{nullptr};
  MoE moe{nullptr};
};
TORCH_MODULE(DeepseekV3DecoderLayer);

// The per-module part of the shared head (the projection is the main model's).
class SharedHeadImpl : public torch::nn::Module {
 public:
  SharedHeadImpl(int64_t dim, double eps);
  RMSNorm norm{nullptr};
};
TORCH_MODULE(SharedHead);

class MTPLayerImpl : public DeepseekV3DecoderLayerImpl {
 public:
  MTPLayerImpl(const ModelConfig& cfg, int64_t layer);
  // h_prev [B, L, C] (depth k-1 at positions i), emb [B, L, C] (embeddings of tokens i+k) -> [B, L, C]
  torch::Tensor forward_mtp(const torch::Tensor& h_prev, const torch::Tensor& emb, const LayerInput& in);

  RMSNorm enorm{nullptr}, hnorm{nullptr};
  LinearPtr eh_proj;  // [C, 2C]
  SharedHead shared_head{nullptr};

 private:
  int64_t layer_;
};
TORCH_MODULE(MTPLayer);

class DeepseekV3ForCausalLMImpl : public CausalLMImpl {
 public:
  explicit DeepseekV3ForCausalLMImpl(const ModelConfig& cfg);
  // The MTP modules, depth 1 first.
  const std::vector<MTPLayer>& mtp_layers() const { return mtp_; }

 protected:
  torch::Tensor decode(torch::Tensor x, LayerInput& in) override;
  LayerCache make_layer_cache(int64_t layer, int64_t batch, int64_t capacity,
                              const torch::TensorOptions& opts) const override;

 private:
  std::vector<DeepseekV3DecoderLayer> layers_;  // = model.layers[0 .. num_hidden_layers)
  std::vector<MTPLayer> mtp_;                   // = model.layers[num_hidden_layers ..)
};

}  // namespace r1::model
