// Rotary position embedding with optional YaRN / Llama-3 frequency scaling.
// Two layouts, chosen per family by ModelConfig::rope_interleave:
//   halves (Qwen2, Llama):  pairs (i, i + D/2)  — HF's rotate_half
//   interleaved (DeepSeek-V3): pairs (2i, 2i+1) — the published inference code's complex multiply
#pragma once
#include <ATen/ATen.h>

#include "model/model_config.h"

namespace r1::model {

// Inverse frequencies [D/2] for a rotary dim D, after YaRN / Llama-3 scaling (R1_SPEC §6.4).
at::Tensor rope_inv_freq(int64_t rotary_dim, double theta, const RopeScaling& scaling);

// YaRN's attention-scale multiplier (mscale^2; 1 without YaRN).
double yarn_softmax_scale_factor(const RopeScaling& scaling);

struct RotaryTables {
  at::Tensor cos, sin;  // [B, T, D/2] for the positions of one forward pass
};

// cos/sin of positions [B, T] (int64) times inv_freq [D/2].
RotaryTables rotary_tables(const at::Tensor& positions, const at::Tensor& inv_freq);

// Rotates x [B, H, T, D] (D = 2 * tables' last dim) in the given layout.
at::Tensor apply_rotary(const at::Tensor& x, const RotaryTables& t, bool interleave);

}  // namespace r1::model
