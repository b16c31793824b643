// ModelConfig: the architecture of a decoder-only model. The fields every family shares sit here;
// DeepSeek-V3's own settings live in DeepSeekV3Config (deepseek_v3_config.h), present only for that
// architecture, so a Qwen2 or Llama config carries nothing it doesn't use. Field names follow Hugging
// Face config.json keys so a checkpoint's config maps one to one (io/hf_config.* converts, keeping
// unknown keys in `extra`). Torch-free on purpose.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "model/deepseek_v3_config.h"

namespace r1::model {

// RoPE frequency scaling (HF's rope_scaling); type "none" disables it. Zero-valued optional keys mean
// "absent", as Hugging Face's `if mscale and mscale_all_dim` reads them.
struct RopeScaling {
  std::string type = "none";                    // "none" | "yarn" | "linear" | "llama3"
  double factor = 1.0;                          // s: context extension factor
  int64_t original_max_position_embeddings = 0; // pretraining context; 0: max_position_embeddings (yarn only)
  double attention_factor = 0.0;                // yarn: cos/sin multiplier; 0: derived (rope.h)
  double beta_fast = 32.0;                      // yarn ramp, high-frequency end (rotations)
  double beta_slow = 1.0;                       // yarn ramp, low-frequency end
  double mscale = 0.0;                          // yarn: 0 = absent
  double mscale_all_dim = 0.0;                  // yarn: 0 = absent; DeepSeek also scales its softmax by mscale(s, this)^2
  double low_freq_factor = 1.0;                 // llama3 scaling
  double high_freq_factor = 4.0;                // llama3 scaling
};

struct ModelConfig {
  std::string arch = "qwen2";                  // "qwen2" | "llama" (qwen2_llama.h) | "deepseek_v3" (deepseek_v3.h)
  int64_t vocab_size = 512;                    // V
  int64_t hidden_size = 128;                   // C
  int64_t intermediate_size = 384;             // dense SwiGLU width (DeepSeek-V3: its first_k_dense_replace layers)
  int64_t num_hidden_layers = 4;               // decoder layers (DeepSeek-V3: MTP layers not counted)
  int64_t num_attention_heads = 4;             // H
  int64_t num_key_value_heads = 2;             // GQA: H must be a multiple (unused by MLA; HF configs carry H)
  int64_t head_dim = 0;                        // D; 0 means hidden_size / num_attention_heads (unused by MLA)
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool attention_bias = true;                  // qwen2/llama: bias on q/k/v; deepseek_v3: on q_a, kv_a and o
  bool tie_word_embeddings = true;             // lm_head shares model.embed_tokens.weight
  int64_t max_position_embeddings = 4096;
  double initializer_range = 0.02;
  int64_t bos_token_id = -1;
  int64_t eos_token_id = -1;

  // Set exactly when arch == "deepseek_v3".
  std::optional<DeepSeekV3Config> deepseek_v3;

  // Everything else found in a config.json, written back unchanged on save.
  nlohmann::json extra = nlohmann::json::object();

  int64_t resolved_head_dim() const { return head_dim > 0 ? head_dim : hidden_size / num_attention_heads; }
  // Throws r1::Error naming the field when the numbers don't fit together; the one place every
  // field (shared and DeepSeek-V3) is checked.
  void validate() const;
};

}  // namespace r1::model
