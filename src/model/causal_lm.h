// CausalLM: a decoder-only language model — embeddings, the architecture's decoder layers, final
// norm and the output head. This base holds what every family shares (positions, masks, the KV
// cache, the head, named intermediates); each architecture file assembles its own layers on one
// screen: qwen2_llama.h (dense GQA: Qwen2, Llama) and deepseek_v3.h (MLA, dense then MoE, MTP).
// CausalLM(cfg) builds the one cfg.arch names. Submodule names equal Hugging Face tensor names
// ("model.layers.0.self_attn.q_proj.weight", "lm_head.weight"), so named_parameters() is the
// checkpoint's tensor list.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>

#include <memory>

#include "model/attention.h"
#include "model/layers.h"
#include "model/model_config.h"

namespace r1::model {

// The "model." prefix of HF names: embeddings, layers (filled by the architecture) and final norm.
class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(const ModelConfig& cfg);
  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  RMSNorm norm{nullptr};
};
TORCH_MODULE(Decoder);

class CausalLMImpl : public ProjectionOwner {
 public:
  // ids [B, T] int64 -> logits [B, T, V] (fp32 on CPU).
  // valid [B, T] bool marks real tokens (padding = false, left or right); undefined means all real.
  // With a cache the tokens are appended after cache->length and attend to everything before; with
  // a ragged cache (kv_cache.h) ids is [B, 1], row b's token goes to slot row_length[b], valid is
  // undefined.
  torch::Tensor forward(const torch::Tensor& ids, KVCache* cache = nullptr, const torch::Tensor& valid = {});
  // The final-normed hidden states [B, T, C] (for MTP, reward heads).
  torch::Tensor hidden_states(const torch::Tensor& ids, KVCache* cache = nullptr, const torch::Tensor& valid = {});
  // ids [B, T] -> embeddings [B, T, C] in the model's compute dtype (the final norm's), whatever
  // dtype the table is stored in (a quantized model keeps it in bf16: quantize_model.h).
  torch::Tensor embed(const torch::Tensor& ids);
  // The dtype activations, caches and logits are computed in.
  torch::ScalarType compute_dtype() const { return model->norm->weight.scalar_type(); }
  // hidden [.., C] -> logits [.., V] through lm_head (or the tied embedding while lm_head is empty).
  torch::Tensor logits(const torch::Tensor& hidden);

  // An empty cache for `batch` rows of up to `capacity` tokens, on this model's device and dtype;
  // ragged: rows of their own lengths (kv_cache.h), the engine's slots.
  KVCache make_cache(int64_t batch, int64_t capacity, bool ragged = false) const;
  // Rotary tables, causal mask and validity for an uncached pass over tokens marked by valid [B, T]
  // bool (positions count real tokens only); the MTP layers (mtp.h) use it.
  LayerInput uncached_layer_input(const torch::Tensor& valid) const;
  // Every later forward reports its named intermediates to `cb` (empty: none); see attention.h.
  void set_intermediate_callback(IntermediateCallback cb) { observe_ = std::move(cb); }

  const ModelConfig& config() const { return cfg_; }
  torch::Device device() const;

  Decoder model{nullptr};
  LinearPtr lm_head;  // [V, C]; a declared but empty slot when embeddings are tied (linear.h)

 protected:
  // rope_dim: the width RoPE rotates (the head dim, or MLA's qk_rope_head_dim).
  CausalLMImpl(ModelConfig cfg, int64_t rope_dim);
  // The architecture's decoder layers over x [B, T, C] -> [B, T, C], before the final norm.
  // in.layer is for the architecture to set per layer.
  virtual torch::Tensor decode(torch::Tensor x, LayerInput& in) = 0;
  // Layer `layer`'s cache slots for `batch` rows and `capacity` tokens.
  virtual LayerCache make_layer_cache(int64_t layer, int64_t batch, int64_t capacity,
                                      const torch::TensorOptions& opts) const = 0;

 private:
  LayerInput ragged_layer_input(KVCache& cache, int64_t B) const;

  ModelConfig cfg_;
  RopeParameters rope_;  // not checkpoint tensors
  IntermediateCallback observe_;
};

// The holder every caller uses: CausalLM m(cfg) builds the architecture cfg.arch names (an r1::Error
// naming model config field arch otherwise).
class CausalLM : public torch::nn::ModuleHolder<CausalLMImpl> {
 public:
  using Impl = CausalLMImpl;
  CausalLM(std::nullptr_t) : ModuleHolder(nullptr) {}  // NOLINT: an empty holder, as TORCH_MODULE's
  CausalLM(std::shared_ptr<CausalLMImpl> m) : ModuleHolder(std::move(m)) {}  // NOLINT
  explicit CausalLM(const ModelConfig& cfg);
};

// Normal(0, initializer_range) weights, zero biases, unit norms; residual output projections
// (o_proj, down_proj) scaled by 1/sqrt(2 * layers) as GPT-2 does, so deep stacks start stable.
void init_weights(CausalLMImpl& model, uint64_t seed);

// A new model with the same config and a deep copy of every parameter and buffer (a frozen
// reference policy must not alias the trained one). Projections come back as plain DenseLinear.
CausalLM clone_model(const CausalLMImpl& model);

int64_t parameter_count(const torch::nn::Module& m);

}  // namespace r1::model
