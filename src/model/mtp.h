// The multi-token-prediction loss (DeepSeek-V3 §2.2, R1_SPEC §6.6) over a model's MTP modules
// (deepseek_v3.h describes them and the checkpoint layout). Training only.
#pragma once
#include <vector>

#include "model/causal_lm.h"
#include "model/deepseek_v3.h"

namespace r1::model {

// The model's MTP modules, depth 1 first (none for an architecture without them).
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
