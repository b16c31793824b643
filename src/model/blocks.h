// Picks each layer's attention and feed-forward for a family: GQA + SwiGLU for qwen2/llama,
// MLA + (dense SwiGLU for the first first_k_dense_replace layers, else MoE) for deepseek_v3.
#pragma once
#include <memory>

#include "model/attention.h"
#include "model/layers.h"

namespace r1::model {

std::shared_ptr<AttentionModule> make_attention(const ModelConfig& cfg, int64_t layer);
std::shared_ptr<FeedForwardModule> make_feed_forward(const ModelConfig& cfg, int64_t layer);

}  // namespace r1::model
