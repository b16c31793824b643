// CausalLM: a decoder-only language model — embeddings, N pre-norm decoder layers, final norm and
// the output head — for every family (qwen2, llama, deepseek_v3). Submodule names equal Hugging Face
// tensor names ("model.layers.0.self_attn.q_proj.weight", "lm_head.weight"), so named_parameters()
// is the checkpoint's tensor list.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>

#include <memory>

#include "model/attention.h"
#include "model/layers.h"

namespace r1::model {

class DecoderLayerImpl : public torch::nn::Module {
 public:
  DecoderLayerImpl(const ModelConfig& cfg, int64_t layer);
  // x [B, T, C]: x += attn(norm(x)); x += mlp(norm(x))
  torch::Tensor forward(const torch::Tensor& x, const AttentionInput& in);

  RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  std::shared_ptr<AttentionModule> self_attn;
  std::shared_ptr<FeedForwardModule> mlp;
};
TORCH_MODULE(DecoderLayer);

// The "model." prefix of HF names: embeddings, layers and final norm. For deepseek_v3, layers holds
// num_hidden_layers decoder layers followed by num_nextn_predict_layers MTP layers (mtp.h), which only
// mtp_loss() runs.
class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(const ModelConfig& cfg);
  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  RMSNorm norm{nullptr};
};
TORCH_MODULE(Decoder);

class CausalLMImpl : public torch::nn::Module {
 public:
  explicit CausalLMImpl(ModelConfig cfg);

  // ids [B, T] int64 -> logits [B, T, V] (fp32 on CPU).
  // valid [B, T] bool marks real tokens (left padding = false); undefined means all real.
  // With a cache the tokens are appended after cache->length and attend to everything before.
  torch::Tensor forward(const torch::Tensor& ids, KVCache* cache = nullptr, const torch::Tensor& valid = {});
  // The final-normed hidden states [B, T, C] (for MTP, reward heads).
  torch::Tensor hidden_states(const torch::Tensor& ids, KVCache* cache = nullptr, const torch::Tensor& valid = {});
  // hidden [.., C] -> logits [.., V] through lm_head (or the tied embedding).
  torch::Tensor logits(const torch::Tensor& hidden);

  // An empty cache for `batch` rows of up to `capacity` tokens, on this model's device and dtype.
  KVCache make_cache(int64_t batch, int64_t capacity) const;
  // Rotary tables and causal mask for an uncached pass over tokens marked by valid [B, T] bool
  // (positions count real tokens only); the MTP layers (mtp.h) reuse it.
  AttentionInput uncached_attention_input(const torch::Tensor& valid) const;
  const ModelConfig& config() const { return cfg_; }
  torch::Device device() const;

  Decoder model{nullptr};
  torch::nn::Linear lm_head{nullptr};  // null when embeddings are tied

 private:
  ModelConfig cfg_;
  at::Tensor inv_freq_;  // [rope_dim / 2]; not a checkpoint tensor
  int64_t rope_dim_;
};
TORCH_MODULE(CausalLM);

// Normal(0, initializer_range) weights, zero biases, unit norms; residual output projections
// (o_proj, down_proj) scaled by 1/sqrt(2 * layers) as GPT-2 does, so deep stacks start stable.
void init_weights(CausalLMImpl& model, uint64_t seed);

// A new model with the same config and a deep copy of every parameter and buffer (a frozen
// reference policy must not alias the trained one).
CausalLM clone_model(const CausalLMImpl& model);

int64_t parameter_count(const torch::nn::Module& m);

}  // namespace r1::model
