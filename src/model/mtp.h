// Multi-token prediction (DeepSeek-V3 §2.2, R1_SPEC §6.6): num_nextn_predict_layers extra modules that
// each predict one token further ahead. Module k (1-based) combines the previous depth's hidden
// state h_i with the embedding of token i+k,
//   h'_i = eh_proj([enorm(Emb(t_{i+k})) ; hnorm(h_i)])            (order as the released weights)
// runs one full decoder block (MLA + MoE) over h', and predicts t_{i+k+1} through its own
// shared_head.norm and the main model's output head.
//
// Hugging Face layout: the modules are model.layers.{num_hidden_layers + k - 1}.{enorm, hnorm, eh_proj,
// shared_head.norm, input_layernorm, self_attn.*, post_attention_layernorm, mlp.*}. The checkpoint's
// model.layers.N.embed_tokens and shared_head.head are copies of the main embedding and lm_head and
// are not separate parameters here (a loader skips them).
//
// Training only: CausalLM's forward / hidden_states / KV cache never run these layers.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include <vector>

#include "model/causal_lm.h"

namespace r1::model {

// The per-module part of the shared head (the projection is the main model's).
class SharedHeadImpl : public torch::nn::Module {
 public:
  SharedHeadImpl(int64_t dim, double eps);
  RMSNorm norm{nullptr};
};
TORCH_MODULE(SharedHead);

class MTPLayerImpl : public DecoderLayerImpl {
 public:
  MTPLayerImpl(const ModelConfig& cfg, int64_t layer);
  // h_prev [B, L, C] (depth k-1 at positions i), emb [B, L, C] (embeddings of tokens i+k) -> [B, L, C]
  torch::Tensor forward_mtp(const torch::Tensor& h_prev, const torch::Tensor& emb, const AttentionInput& in);

  RMSNorm enorm{nullptr}, hnorm{nullptr};
  torch::nn::Linear eh_proj{nullptr};  // [C, 2C]
  SharedHead shared_head{nullptr};
};
TORCH_MODULE(MTPLayer);

std::vector<MTPLayerImpl*> mtp_layers(CausalLMImpl& model);

// mtp_loss_weight / D * sum_k CE_k, where CE_k is the mean cross-entropy of module k predicting
// t_{i+k+1} over positions whose inputs are real and whose target is marked.
//   ids [B, T] int64; hidden [B, T, C] = model.hidden_states(ids, nullptr, valid) (same pass);
//   valid [B, T] bool real tokens (undefined: all); target_mask [B, T] bool tokens that count as
//   targets (undefined: valid), e.g. only completion tokens.
// A zero scalar when the model has no MTP modules or T is too short.
torch::Tensor mtp_loss(CausalLMImpl& model, const torch::Tensor& ids, const torch::Tensor& hidden,
                       const torch::Tensor& valid = {}, const torch::Tensor& target_mask = {});

}  // namespace r1::model
