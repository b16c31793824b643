// DeepSeekV3Config: the settings only DeepSeek-V3 (and R1, its fine-tune) has — Multi-head Latent
// Attention, DeepSeekMoE, multi-token prediction — documented field by field as DeepSeek-V3's
// `inference/model.py` ModelArgs. Field names are the Hugging Face config.json keys.
//
// The defaults are a CPU-sized model with every V3 feature on (query compression, 8 routed experts
// in 4 groups, a shared expert, the noaux_tc bias, the first layer dense) except multi-token
// prediction, which is a pretraining aid at scale and off unless asked for. ModelConfig::validate()
// checks these fields together with the shared ones (model_config.h); torch-free on purpose.
#pragma once
#include <cstdint>
#include <string>

namespace r1::model {

struct DeepSeekV3Config {
  // --- Multi-head Latent Attention (R1_SPEC §6.3) ---
  int64_t q_lora_rank = 32;        // Rank of the query compression (q_a_proj -> q_a_layernorm -> q_b_proj); 0: one q_proj.
  int64_t kv_lora_rank = 32;       // Width of the latent c_kv, the only per-head-free value cached per token.
  int64_t qk_nope_head_dim = 16;   // Per-head query/key width without rotary embedding.
  int64_t qk_rope_head_dim = 16;   // Per-head query/key width with rotary embedding; the key part is shared by all heads.
  int64_t v_head_dim = 16;         // Per-head value width.
  bool rope_interleave = true;     // Rotate adjacent pairs (2i, 2i+1) as the released weights; false: halves (i, i + D/2).

  // --- DeepSeekMoE (R1_SPEC §6.5) ---
  int64_t n_routed_experts = 8;         // Routed experts per MoE layer; 0: every layer is a dense SwiGLU.
  int64_t n_shared_experts = 1;         // Shared experts (one SwiGLU of n_shared_experts * moe_intermediate_size) every token sees.
  int64_t num_experts_per_tok = 2;      // Routed experts each token uses (K).
  int64_t moe_intermediate_size = 64;   // Hidden width of one expert's SwiGLU.
  int64_t n_group = 4;                  // Expert groups for group-limited routing.
  int64_t topk_group = 2;               // Groups a token may route into.
  double routed_scaling_factor = 2.5;   // Multiplier on the (normalized) routing weights.
  int64_t first_k_dense_replace = 1;    // The first k decoder layers use a dense SwiGLU of intermediate_size instead of MoE.
  bool norm_topk_prob = true;           // Normalize the chosen experts' scores to sum to 1 before scaling.
  std::string scoring_func = "sigmoid"; // Gate scores: "sigmoid" (V3) or "softmax" (V2).
  std::string topk_method = "noaux_tc"; // "noaux_tc": selection adds e_score_correction_bias (V3); "greedy": scores only.
  double aux_loss_alpha = 0.0001;       // Weight of the sequence-wise balance loss (0: off).
  double bias_update_speed = 0.001;     // gamma of auxiliary-loss-free balancing: bias_i += gamma * sign(mean load - load_i).

  // --- Multi-token prediction (R1_SPEC §6.6) ---
  int64_t num_nextn_predict_layers = 0;  // MTP modules after the main layers (model.layers.{L..L+D-1}); training only.
  double mtp_loss_weight = 0.3;          // lambda: the MTP loss is lambda / D * sum_k CE_k.
};

}  // namespace r1::model
