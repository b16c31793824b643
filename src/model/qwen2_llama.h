// Qwen2 and Llama — the dense grouped-query-attention family (Hugging Face modeling_qwen2.py and
// modeling_llama.py): pre-norm decoder layers of GQA (q/k/v bias for Qwen2, none for Llama; RoPE in
// the halves layout, any scaling of rope.h) and a SwiGLU MLP; embeddings tied or not.
#pragma once
#include <vector>

#include "model/attention.h"
#include "model/causal_lm.h"
#include "model/layers.h"

namespace r1::model {

class Qwen2LlamaDecoderLayerImpl : public torch::nn::Module {
 public:
  explicit Qwen2LlamaDecoderLayerImpl(const ModelConfig& cfg);
  // x [B, T, C] -> [B, T, C]: x += attn(norm(x)); x += mlp(norm(x)); il names intermediates.
  torch::Tensor forward(torch::Tensor x, const LayerInput& in, int64_t il);

  RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  GQAttention self_attn{nullptr};
  SwiGLU mlp{nullptr};
};
TORCH_MODULE(Qwen2LlamaDecoderLayer);

class Qwen2LlamaForCausalLMImpl : public CausalLMImpl {
 public:
  explicit Qwen2LlamaForCausalLMImpl(const ModelConfig& cfg);

 protected:
  torch::Tensor decode(torch::Tensor x, LayerInput& in) override;
  LayerCache make_layer_cache(int64_t layer, int64_t batch, int64_t capacity,
                              const torch::TensorOptions& opts) const override;

 private:
  std::vector<Qwen2LlamaDecoderLayer> layers_;  // = model.layers
};

}  // namespace r1::model
