// ModelConfig: the architecture of a decoder-only model, one struct for every family r1cpp runs.
// Field names follow Hugging Face config.json keys so a checkpoint's config maps one to one
// (io/hf_config.* converts, keeping unknown keys in `extra`). Torch-free on purpose.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace r1::model {

// YaRN context extension (DeepSeek-V3 §4.3); type "none" disables it.
struct RopeScaling {
  std::string type = "none";                   // "none" | "yarn" | "linear" | "llama3"
  double factor = 1.0;                         // s: context extension factor
  int64_t original_max_position_embeddings = 4096;
  double beta_fast = 32.0;                     // YaRN ramp, high-frequency end (rotations)
  double beta_slow = 1.0;                      // YaRN ramp, low-frequency end
  double mscale = 1.0;                         // attention-scale correction, applied as mscale^2
  double mscale_all_dim = 0.0;
  double low_freq_factor = 1.0;                // llama3 scaling
  double high_freq_factor = 4.0;               // llama3 scaling
};

struct ModelConfig {
  std::string arch = "qwen2";                  // "qwen2" | "llama" | "deepseek_v3"
  int64_t vocab_size = 512;
  int64_t hidden_size = 128;                   // C
  int64_t intermediate_size = 384;             // dense SwiGLU width
  int64_t num_hidden_layers = 4;
  int64_t num_attention_heads = 4;             // H
  int64_t num_key_value_heads = 2;             // GQA: H must be a multiple
  int64_t head_dim = 0;                        // D; 0 means hidden_size / num_attention_heads
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool rope_interleave = false;                // true: rotate pairs (2i,2i+1) as DeepSeek-V3; false: halves (i,i+D/2)
  bool attention_bias = true;                  // bias on q/k/v projections (Qwen2: true, Llama: false)
  bool tie_word_embeddings = true;
  int64_t max_position_embeddings = 4096;
  double initializer_range = 0.02;
  int64_t bos_token_id = -1;
  int64_t eos_token_id = -1;

  // DeepSeek-V3: Multi-head Latent Attention.
  int64_t q_lora_rank = 0;                     // 0: direct query projection
  int64_t kv_lora_rank = 0;                    // latent width cached per token
  int64_t qk_nope_head_dim = 0;
  int64_t qk_rope_head_dim = 0;
  int64_t v_head_dim = 0;
  // DeepSeekMoE.
  int64_t n_routed_experts = 0;
  int64_t n_shared_experts = 0;
  int64_t num_experts_per_tok = 0;
  int64_t moe_intermediate_size = 0;
  int64_t n_group = 1;
  int64_t topk_group = 1;
  double routed_scaling_factor = 1.0;
  int64_t first_k_dense_replace = 0;
  bool norm_topk_prob = true;
  std::string scoring_func = "sigmoid";        // "sigmoid" | "softmax"
  std::string topk_method = "noaux_tc";        // "noaux_tc" (bias-corrected) | "greedy"
  double aux_loss_alpha = 0.0;                 // sequence-wise balance loss weight (0 = off)
  double bias_update_speed = 0.001;            // gamma of auxiliary-loss-free balancing
  // Multi-token prediction.
  int64_t num_nextn_predict_layers = 0;
  double mtp_loss_weight = 0.3;                // lambda

  // Everything else found in a config.json, written back unchanged on save.
  nlohmann::json extra = nlohmann::json::object();

  int64_t resolved_head_dim() const { return head_dim > 0 ? head_dim : hidden_size / num_attention_heads; }
  bool is_deepseek() const { return arch == "deepseek_v3"; }
  // Throws r1::Error naming the field when the numbers don't fit together.
  void validate() const;
};

// Our own JSON form (used in run configs): every field above under its HF name.
void to_json(nlohmann::json& j, const RopeScaling& r);
void from_json(const nlohmann::json& j, RopeScaling& r);
void to_json(nlohmann::json& j, const ModelConfig& c);
void from_json(const nlohmann::json& j, ModelConfig& c);

}  // namespace r1::model
