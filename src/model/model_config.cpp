#include "model/model_config.h"

#include "core/error.h"

namespace r1::model {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RopeScaling, type, factor, original_max_position_embeddings,
                                                beta_fast, beta_slow, mscale, mscale_all_dim, low_freq_factor,
                                                high_freq_factor)

void to_json(nlohmann::json& j, const ModelConfig& c) {
  j = nlohmann::json{{"arch", c.arch},
                     {"vocab_size", c.vocab_size},
                     {"hidden_size", c.hidden_size},
                     {"intermediate_size", c.intermediate_size},
                     {"num_hidden_layers", c.num_hidden_layers},
                     {"num_attention_heads", c.num_attention_heads},
                     {"num_key_value_heads", c.num_key_value_heads},
                     {"head_dim", c.head_dim},
                     {"rms_norm_eps", c.rms_norm_eps},
                     {"rope_theta", c.rope_theta},
                     {"rope_scaling", c.rope_scaling},
                     {"rope_interleave", c.rope_interleave},
                     {"attention_bias", c.attention_bias},
                     {"tie_word_embeddings", c.tie_word_embeddings},
                     {"max_position_embeddings", c.max_position_embeddings},
                     {"initializer_range", c.initializer_range},
                     {"bos_token_id", c.bos_token_id},
                     {"eos_token_id", c.eos_token_id},
                     {"q_lora_rank", c.q_lora_rank},
                     {"kv_lora_rank", c.kv_lora_rank},
                     {"qk_nope_head_dim", c.qk_nope_head_dim},
                     {"qk_rope_head_dim", c.qk_rope_head_dim},
                     {"v_head_dim", c.v_head_dim},
                     {"n_routed_experts", c.n_routed_experts},
                     {"n_shared_experts", c.n_shared_experts},
                     {"num_experts_per_tok", c.num_experts_per_tok},
                     {"moe_intermediate_size", c.moe_intermediate_size},
                     {"n_group", c.n_group},
                     {"topk_group", c.topk_group},
                     {"routed_scaling_factor", c.routed_scaling_factor},
                     {"first_k_dense_replace", c.first_k_dense_replace},
                     {"norm_topk_prob", c.norm_topk_prob},
                     {"scoring_func", c.scoring_func},
                     {"topk_method", c.topk_method},
                     {"aux_loss_alpha", c.aux_loss_alpha},
                     {"bias_update_speed", c.bias_update_speed},
                     {"num_nextn_predict_layers", c.num_nextn_predict_layers},
                     {"mtp_loss_weight", c.mtp_loss_weight}};
}

void from_json(const nlohmann::json& j, ModelConfig& c) {
  ModelConfig d;
  auto get = [&](const char* key, auto& field) {
    if (j.contains(key) && !j.at(key).is_null()) j.at(key).get_to(field);
  };
  c = d;
  get("arch", c.arch);
  get("vocab_size", c.vocab_size);
  get("hidden_size", c.hidden_size);
  get("intermediate_size", c.intermediate_size);
  get("num_hidden_layers", c.num_hidden_layers);
  get("num_attention_heads", c.num_attention_heads);
  get("num_key_value_heads", c.num_key_value_heads);
  get("head_dim", c.head_dim);
  get("rms_norm_eps", c.rms_norm_eps);
  get("rope_theta", c.rope_theta);
  get("rope_scaling", c.rope_scaling);
  get("rope_interleave", c.rope_interleave);
  get("attention_bias", c.attention_bias);
  get("tie_word_embeddings", c.tie_word_embeddings);
  get("max_position_embeddings", c.max_position_embeddings);
  get("initializer_range", c.initializer_range);
  get("bos_token_id", c.bos_token_id);
  get("eos_token_id", c.eos_token_id);
  get("q_lora_rank", c.q_lora_rank);
  get("kv_lora_rank", c.kv_lora_rank);
  get("qk_nope_head_dim", c.qk_nope_head_dim);
  get("qk_rope_head_dim", c.qk_rope_head_dim);
  get("v_head_dim", c.v_head_dim);
  get("n_routed_experts", c.n_routed_experts);
  get("n_shared_experts", c.n_shared_experts);
  get("num_experts_per_tok", c.num_experts_per_tok);
  get("moe_intermediate_size", c.moe_intermediate_size);
  get("n_group", c.n_group);
  get("topk_group", c.topk_group);
  get("routed_scaling_factor", c.routed_scaling_factor);
  get("first_k_dense_replace", c.first_k_dense_replace);
  get("norm_topk_prob", c.norm_topk_prob);
  get("scoring_func", c.scoring_func);
  get("topk_method", c.topk_method);
  get("aux_loss_alpha", c.aux_loss_alpha);
  get("bias_update_speed", c.bias_update_speed);
  get("num_nextn_predict_layers", c.num_nextn_predict_layers);
  get("mtp_loss_weight", c.mtp_loss_weight);
}

void ModelConfig::validate() const {
  auto need = [](bool ok, const std::string& field, const std::string& what) {
    check(ok, "model config field " + field, what);
  };
  need(arch == "qwen2" || arch == "llama" || arch == "deepseek_v3", "arch",
       "unknown architecture '" + arch + "' (supported: qwen2, llama, deepseek_v3)");
  need(vocab_size > 0, "vocab_size", "must be positive");
  need(hidden_size > 0, "hidden_size", "must be positive");
  need(num_hidden_layers > 0, "num_hidden_layers", "must be positive");
  need(num_attention_heads > 0, "num_attention_heads", "must be positive");
  need(rms_norm_eps > 0, "rms_norm_eps", "must be positive");
  need(rope_theta > 0, "rope_theta", "must be positive");
  if (is_deepseek()) {
    need(kv_lora_rank > 0, "kv_lora_rank", "must be positive for deepseek_v3");
    need(qk_rope_head_dim > 0 && qk_rope_head_dim % 2 == 0, "qk_rope_head_dim", "must be positive and even");
    need(qk_nope_head_dim > 0, "qk_nope_head_dim", "must be positive for deepseek_v3");
    need(v_head_dim > 0, "v_head_dim", "must be positive for deepseek_v3");
    if (n_routed_experts > 0) {
      need(num_experts_per_tok > 0 && num_experts_per_tok <= n_routed_experts, "num_experts_per_tok",
           "must be in 1..n_routed_experts");
      need(moe_intermediate_size > 0, "moe_intermediate_size", "must be positive with routed experts");
      need(n_group > 0 && n_routed_experts % n_group == 0, "n_group", "must divide n_routed_experts");
      need(topk_group > 0 && topk_group <= n_group, "topk_group", "must be in 1..n_group");
      need(scoring_func == "sigmoid" || scoring_func == "softmax", "scoring_func", "must be sigmoid or softmax");
    }
  } else {
    need(num_key_value_heads > 0 && num_attention_heads % num_key_value_heads == 0, "num_key_value_heads",
         "must divide num_attention_heads");
    need(resolved_head_dim() % 2 == 0, "head_dim", "must be even (RoPE rotates pairs)");
    need(head_dim > 0 || hidden_size % num_attention_heads == 0, "hidden_size",
         "must be a multiple of num_attention_heads when head_dim is 0");
    need(intermediate_size > 0, "intermediate_size", "must be positive");
  }
}

}  // namespace r1::model
