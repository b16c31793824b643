#include "model/model_config.h"

#include "core/error.h"

namespace r1::model {
namespace {

using json = nlohmann::json;

// The DeepSeek-V3 keys of our JSON form, each bound to its field (one list for writing and reading).
template <typename Visit>
void deepseek_v3_fields(DeepSeekV3Config& d, Visit&& visit) {
  visit("q_lora_rank", d.q_lora_rank);
  visit("kv_lora_rank", d.kv_lora_rank);
  visit("qk_nope_head_dim", d.qk_nope_head_dim);
  visit("qk_rope_head_dim", d.qk_rope_head_dim);
  visit("v_head_dim", d.v_head_dim);
  visit("rope_interleave", d.rope_interleave);
  visit("n_routed_experts", d.n_routed_experts);
  visit("n_shared_experts", d.n_shared_experts);
  visit("num_experts_per_tok", d.num_experts_per_tok);
  visit("moe_intermediate_size", d.moe_intermediate_size);
  visit("n_group", d.n_group);
  visit("topk_group", d.topk_group);
  visit("routed_scaling_factor", d.routed_scaling_factor);
  visit("first_k_dense_replace", d.first_k_dense_replace);
  visit("norm_topk_prob", d.norm_topk_prob);
  visit("scoring_func", d.scoring_func);
  visit("topk_method", d.topk_method);
  visit("aux_loss_alpha", d.aux_loss_alpha);
  visit("bias_update_speed", d.bias_update_speed);
  visit("num_nextn_predict_layers", d.num_nextn_predict_layers);
  visit("mtp_loss_weight", d.mtp_loss_weight);
}

// The shared keys, likewise.
template <typename Visit>
void shared_fields(ModelConfig& c, Visit&& visit) {
  visit("arch", c.arch);
  visit("vocab_size", c.vocab_size);
  visit("hidden_size", c.hidden_size);
  visit("intermediate_size", c.intermediate_size);
  visit("num_hidden_layers", c.num_hidden_layers);
  visit("num_attention_heads", c.num_attention_heads);
  visit("num_key_value_heads", c.num_key_value_heads);
  visit("head_dim", c.head_dim);
  visit("rms_norm_eps", c.rms_norm_eps);
  visit("rope_theta", c.rope_theta);
  visit("rope_scaling", c.rope_scaling);
  visit("attention_bias", c.attention_bias);
  visit("tie_word_embeddings", c.tie_word_embeddings);
  visit("max_position_embeddings", c.max_position_embeddings);
  visit("initializer_range", c.initializer_range);
  visit("bos_token_id", c.bos_token_id);
  visit("eos_token_id", c.eos_token_id);
}

}  // namespace

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RopeScaling, type, factor, original_max_position_embeddings,
                                                attention_factor, beta_fast, beta_slow, mscale, mscale_all_dim,
                                                low_freq_factor, high_freq_factor)

void to_json(json& j, const DeepSeekV3Config& d_in) {
  DeepSeekV3Config d = d_in;  // the visitor binds mutable fields
  j = json::object();
  deepseek_v3_fields(d, [&](const char* key, auto& field) { j[key] = field; });
}

void to_json(json& j, const ModelConfig& c_in) {
  ModelConfig c = c_in;
  j = json::object();
  shared_fields(c, [&](const char* key, auto& field) { j[key] = field; });
  if (c.deepseek_v3) j.update(json(*c.deepseek_v3));
}

void from_json(const json& j, ModelConfig& c) {
  c = ModelConfig();
  auto get = [&](const char* key, auto& field) {
    if (j.contains(key) && !j.at(key).is_null()) j.at(key).get_to(field);
  };
  shared_fields(c, get);
  DeepSeekV3Config v3;
  if (c.arch == "deepseek_v3") {
    deepseek_v3_fields(v3, get);
    c.deepseek_v3 = v3;
  } else {
    deepseek_v3_fields(v3, [&](const char* key, auto&) {
      check(!j.contains(key), std::string("model config field ") + key,
            "is a DeepSeek-V3 setting but arch is '" + c.arch + "': set arch to deepseek_v3 or remove it");
    });
  }
}

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
