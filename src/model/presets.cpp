#include "model/presets.h"

namespace r1::model {

ModelConfig tiny_deepseek_v3(int64_t vocab_size) {
  ModelConfig c;
  c.arch = "deepseek_v3";
  c.vocab_size = vocab_size;
  c.hidden_size = 128;
  c.intermediate_size = 256;  // the dense layer
  c.num_hidden_layers = 3;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 4;  // unused by MLA; HF configs carry it equal to the head count
  c.rms_norm_eps = 1e-6;
  c.rope_theta = 10000.0;
  c.rope_interleave = true;
  c.attention_bias = false;
  c.tie_word_embeddings = false;
  c.max_position_embeddings = 4096;
  c.initializer_range = 0.02;
  c.q_lora_rank = 32;
  c.kv_lora_rank = 32;
  c.qk_nope_head_dim = 16;
  c.qk_rope_head_dim = 16;
  c.v_head_dim = 16;
  c.n_routed_experts = 8;
  c.n_shared_experts = 1;
  c.num_experts_per_tok = 2;
  c.moe_intermediate_size = 64;
  c.n_group = 4;
  c.topk_group = 2;
  c.routed_scaling_factor = 2.5;
  c.first_k_dense_replace = 1;
  c.norm_topk_prob = true;
  c.scoring_func = "sigmoid";
  c.topk_method = "noaux_tc";
  c.aux_loss_alpha = 0.0001;
  c.bias_update_speed = 0.001;
  c.num_nextn_predict_layers = 1;
  c.mtp_loss_weight = 0.3;
  return c;
}

}  // namespace r1::model
