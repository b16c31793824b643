// Self-attention: the interface every attention variant implements, and grouped-query attention
// (Qwen2, Llama). MLA (DeepSeek-V3) implements the same interface in mla.h.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include "model/kv_cache.h"
#include "model/model_config.h"
#include "model/rope.h"

namespace r1::model {

// Everything a layer's attention needs for one forward pass besides its input.
struct AttentionInput {
  RotaryTables rope;           // cos/sin of this pass's positions, [B, T, rope_dim/2]
  at::Tensor mask;             // [B, 1, T, S] bool: query t may see key slot s (S = offset + T)
  KVCache* cache = nullptr;    // null: no cache, keys are this pass's tokens
  int64_t layer = 0;           // index into cache->layers
  int64_t offset = 0;          // slots already in the cache before this pass
};

class AttentionModule : public torch::nn::Module {
 public:
  // x [B, T, C] -> [B, T, C]
  virtual torch::Tensor forward(const torch::Tensor& x, const AttentionInput& in) = 0;
  // Allocates this layer's cache slots for `batch` rows and `capacity` tokens.
  virtual LayerCache make_cache(int64_t batch, int64_t capacity, const torch::TensorOptions& opts) const = 0;
};

// softmax(q k^T * scale + mask) v with GQA broadcasting: q [B, H, T, D], k/v [B, Hkv, S, D*],
// mask [B, 1, T, S] -> [B, H, T, Dv]. Softmax in fp32.
torch::Tensor scaled_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& mask, double scale);

class GQAttention : public AttentionModule {
 public:
  explicit GQAttention(const ModelConfig& cfg);
  torch::Tensor forward(const torch::Tensor& x, const AttentionInput& in) override;
  LayerCache make_cache(int64_t batch, int64_t capacity, const torch::TensorOptions& opts) const override;

  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};

 private:
  int64_t heads_, kv_heads_, head_dim_;
  bool interleave_;
  double scale_;
};

}  // namespace r1::model
