// Rotary position embedding with Hugging Face's YaRN / linear / Llama-3 frequency scaling
// (modeling_rope_utils.py). Two layouts, chosen by the architecture:
//   halves (Qwen2, Llama):     pairs (i, i + D/2) — HF's rotate_half
//   interleaved (DeepSeek-V3): pairs (2i, 2i+1)   — the published inference code's complex multiply
#pragma once
#include <ATen/ATen.h>

#include "model/model_config.h"

namespace r1::model {

// One model's rotary embedding: what HF's rope init function returns.
struct RopeParameters {
  at::Tensor inv_freq;            // [D/2] fp32, after scaling
  double attention_factor = 1.0;  // multiplies cos and sin (so q.k by its square); yarn only
};

// For a rotary dim D, base theta and the config's scaling; max_position_embeddings stands in for an
// absent rope_scaling.original_max_position_embeddings (yarn). Errors name rope_scaling.type.
RopeParameters rope_parameters(int64_t rotary_dim, double theta, const RopeScaling& scaling,
                               int64_t max_position_embeddings);

// YaRN's attention factor, as HF's _compute_yarn_parameters: rope_scaling.attention_factor when
// given; else mscale(s, mscale) / mscale(s, mscale_all_dim) when both are given (non-zero); else
// mscale(s) = 0.1 ln(s) + 1 (1 for s <= 1). 1 for every other scaling type.
double yarn_attention_factor(const RopeScaling& scaling);

// DeepSeek's extra softmax-scale multiplier mscale(s, mscale_all_dim)^2 (HF DeepseekV3Attention;
// 1 when mscale_all_dim is absent). Only DeepSeek's attention applies it.
double deepseek_softmax_scale_factor(const RopeScaling& scaling);

struct RotaryTables {
  at::Tensor cos, sin;  // [B, T, D/2] for the positions of one forward pass, attention factor included
};

// cos/sin of positions [B, T] (int64) times inv_freq [D/2], scaled by the attention factor.
RotaryTables rotary_tables(const at::Tensor& positions, const RopeParameters& rope);

// Rotates x [B, H, T, D] (D = 2 * tables' last dim) in the given layout.
at::Tensor apply_rotary(const at::Tensor& x, const RotaryTables& t, bool interleave);

}  // namespace r1::model
