#include "model/model_config.h"

#include "core/error.h"

namespace r1::model {
void ModelConfig::validate() const {
  auto need = [](bool ok, const std::string& field, const std::string& what) {
    check(ok, "model config field " + field, what);
  };
  need(arch == "qwen2" || arch == "llama" || arch == "deepseek_v3", "arch",
       "unknown architecture '" + arch + "' (supported: qwen2, llama, deepseek_v3)");
  need(deepseek_v3.has_value() == (arch == "deepseek_v3"), "arch",
       arch == "deepseek_v3" ? "deepseek_v3 needs its DeepSeek-V3 settings" : "'" + arch + "' carries DeepSeek-V3 settings");
  need(vocab_size > 0, "vocab_size", "must be positive");
  need(hidden_size > 0, "hidden_size", "must be positive");
  need(num_hidden_layers > 0, "num_hidden_layers", "must be positive");
  need(num_attention_heads > 0, "num_attention_heads", "must be positive");
  need(rms_norm_eps > 0, "rms_norm_eps", "must be positive");
  need(rope_theta > 0, "rope_theta", "must be positive");
  need(rope_scaling.type != "yarn" || rope_scaling.factor > 0, "rope_scaling.factor", "must be positive for yarn");
  if (deepseek_v3) {
    const auto& d = *deepseek_v3;
    need(d.q_lora_rank >= 0, "q_lora_rank", "must be 0 (a direct query projection) or positive");
    need(d.kv_lora_rank > 0, "kv_lora_rank", "must be positive for deepseek_v3");
    need(d.qk_rope_head_dim > 0 && d.qk_rope_head_dim % 2 == 0, "qk_rope_head_dim", "must be positive and even");
    need(d.qk_nope_head_dim > 0, "qk_nope_head_dim", "must be positive for deepseek_v3");
    need(d.v_head_dim > 0, "v_head_dim", "must be positive for deepseek_v3");
    need(d.first_k_dense_replace >= 0, "first_k_dense_replace", "must not be negative");
    need(d.num_nextn_predict_layers >= 0, "num_nextn_predict_layers", "must not be negative");
    if (d.first_k_dense_replace > 0 || d.n_routed_experts == 0)
      need(intermediate_size > 0, "intermediate_size", "must be positive for the dense layers");
    if (d.n_routed_experts > 0) {
      need(d.num_experts_per_tok > 0 && d.num_experts_per_tok <= d.n_routed_experts, "num_experts_per_tok",
           "must be in 1..n_routed_experts");
      need(d.moe_intermediate_size > 0, "moe_intermediate_size", "must be positive with routed experts");
      need(d.n_group > 0 && d.n_routed_experts % d.n_group == 0, "n_group", "must divide n_routed_experts");
      need(d.topk_group > 0 && d.topk_group <= d.n_group, "topk_group", "must be in 1..n_group");
      need(d.scoring_func == "sigmoid" || d.scoring_func == "softmax", "scoring_func", "must be sigmoid or softmax");
      need(d.topk_method == "noaux_tc" || d.topk_method == "greedy", "topk_method", "must be noaux_tc or greedy");
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
