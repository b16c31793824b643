// The config schema of ModelConfig as a run config holds it (`model.*`, core/schema.h): every field
// under its Hugging Face name. bos_token_id and eos_token_id are not keys: a run takes them from its
// tokenizer. A checkpoint's config.json is read by io/hf_config.h, not by this schema.
#pragma once
#include "core/schema.h"
#include "model/model_config.h"

namespace r1::model {

template <class V>
void visit_fields(V& v, RopeScaling& c) {
  using namespace r1::schema;
  v.field("type", c.type, "context extension: none, yarn (DeepSeek-V3 section 4.3), linear, llama3",
          one_of({"none", "yarn", "linear", "llama3"}));
  v.field("factor", c.factor, "s: the context extension factor", above(0));
  v.field("original_max_position_embeddings", c.original_max_position_embeddings, "the pretraining context; 0 = max_position_embeddings",
          at_least(0));
  v.field("beta_fast", c.beta_fast, "YaRN ramp, high-frequency end (rotations)", above(0));
  v.field("beta_slow", c.beta_slow, "YaRN ramp, low-frequency end (rotations)", above(0));
  v.field("attention_factor", c.attention_factor, "YaRN cos/sin multiplier; 0 = derived from factor and mscale",
          at_least(0));
  v.field("mscale", c.mscale, "YaRN attention-scale correction (applied squared)", at_least(0));
  v.field("mscale_all_dim", c.mscale_all_dim, "YaRN mscale of every dimension (0 = none)", at_least(0));
  v.field("low_freq_factor", c.low_freq_factor, "llama3 scaling: low-frequency factor", above(0));
  v.field("high_freq_factor", c.high_freq_factor, "llama3 scaling: high-frequency factor", above(0));
}

// DeepSeek-V3's keys: flat beside the shared ones, as in config.json (model.kv_lora_rank).
template <class V>
void visit_deepseek_v3_fields(V& v, DeepSeekV3Config& c) {
  using namespace r1::schema;
  v.field("q_lora_rank", c.q_lora_rank, "MLA: query compression rank; 0 = a direct query projection", at_least(0));
  v.field("kv_lora_rank", c.kv_lora_rank, "MLA: the latent width cached per token", at_least(1));
  v.field("qk_nope_head_dim", c.qk_nope_head_dim, "MLA: per-head query/key width without RoPE", at_least(1));
  v.field("qk_rope_head_dim", c.qk_rope_head_dim, "MLA: per-head query/key width with RoPE", at_least(2));
  v.field("v_head_dim", c.v_head_dim, "MLA: per-head value width", at_least(1));
  v.field("rope_interleave", c.rope_interleave, "rotate pairs (2i, 2i+1) as the released weights; false: halves");
  v.field("n_routed_experts", c.n_routed_experts, "MoE: routed experts; 0 = dense layers", at_least(0));
  v.field("n_shared_experts", c.n_shared_experts, "MoE: shared experts", at_least(0));
  v.field("num_experts_per_tok", c.num_experts_per_tok, "MoE: routed experts per token", at_least(0));
  v.field("moe_intermediate_size", c.moe_intermediate_size, "MoE: each expert's SwiGLU width", at_least(0));
  v.field("n_group", c.n_group, "MoE: expert groups of node-limited routing", at_least(1));
  v.field("topk_group", c.topk_group, "MoE: groups a token may route to", at_least(1));
  v.field("routed_scaling_factor", c.routed_scaling_factor, "MoE: scale of the routed experts' output", above(0));
  v.field("first_k_dense_replace", c.first_k_dense_replace, "MoE: the first k layers stay dense", at_least(0));
  v.field("norm_topk_prob", c.norm_topk_prob, "MoE: renormalise the chosen experts' weights");
  v.field("scoring_func", c.scoring_func, "MoE: router scores", one_of({"sigmoid", "softmax"}));
  v.field("topk_method", c.topk_method, "MoE: noaux_tc (bias-corrected, auxiliary-loss-free) or greedy",
          one_of({"noaux_tc", "greedy"}));
  v.field("aux_loss_alpha", c.aux_loss_alpha, "MoE: sequence-wise balance loss weight; 0 = off", at_least(0));
  v.field("bias_update_speed", c.bias_update_speed, "MoE: gamma of auxiliary-loss-free balancing", at_least(0));
  v.field("num_nextn_predict_layers", c.num_nextn_predict_layers, "MTP: extra next-token modules; 0 = off",
          at_least(0));
  v.field("mtp_loss_weight", c.mtp_loss_weight, "MTP: lambda, the weight of its loss", at_least(0));
}

// The shared keys, then -- for arch deepseek_v3 only -- DeepSeek-V3's. `arch` is visited first, so a
// config file's arch, or `--model.arch deepseek_v3` given before the MLA/MoE options, switches them on
// (with DeepSeekV3Config's CPU-sized defaults); for qwen2/llama setting one is an error naming arch.
template <class V>
void visit_fields(V& v, ModelConfig& c) {
  using namespace r1::schema;
  v.field("arch", c.arch, "architecture (deepseek_v3 adds the MLA, MoE and MTP keys)",
          one_of({"qwen2", "llama", "deepseek_v3"}));
  if (c.arch == "deepseek_v3" && !c.deepseek_v3) c.deepseek_v3.emplace();
  if (c.arch != "deepseek_v3") c.deepseek_v3.reset();
  v.field("vocab_size", c.vocab_size,
          "rows of the embedding; 0 = the tokenizer's size (any other value must equal it)", at_least(0));
  v.field("hidden_size", c.hidden_size, "C: the residual stream's width", at_least(1));
  v.field("intermediate_size", c.intermediate_size, "the dense SwiGLU's width", at_least(1));
  v.field("num_hidden_layers", c.num_hidden_layers, "decoder layers", at_least(1));
  v.field("num_attention_heads", c.num_attention_heads, "H: query heads", at_least(1));
  v.field("num_key_value_heads", c.num_key_value_heads, "GQA key/value heads (divides num_attention_heads)",
          at_least(1));
  v.field("head_dim", c.head_dim, "D; 0 = hidden_size / num_attention_heads", at_least(0));
  v.field("rms_norm_eps", c.rms_norm_eps, "RMSNorm epsilon", above(0));
  v.field("rope_theta", c.rope_theta, "RoPE base", above(0));
  v.field("rope_scaling", c.rope_scaling, "RoPE context extension");
  v.field("attention_bias", c.attention_bias, "bias on the q/k/v projections (Qwen2: true, Llama: false)");
  v.field("tie_word_embeddings", c.tie_word_embeddings, "the output head shares the embedding");
  v.field("max_position_embeddings", c.max_position_embeddings, "the context: the longest sequence in tokens",
          at_least(1));
  v.field("initializer_range", c.initializer_range, "std of the initial weights", at_least(0));
  DeepSeekV3Config listed;  // what --help shows while arch is not deepseek_v3
  DeepSeekV3Config& v3 = c.deepseek_v3 ? *c.deepseek_v3 : listed;
  v.when(c.deepseek_v3.has_value(), "model.arch is deepseek_v3 (set it before the MLA/MoE/MTP keys)",
         [&](auto& sub) { visit_deepseek_v3_fields(sub, v3); });
  // The shapes must fit together (ModelConfig::validate); vocab_size 0 is resolved to the tokenizer's.
  v.require_call("", [c] {
    ModelConfig m = c;
    if (m.vocab_size == 0) m.vocab_size = 1;
    m.validate();
  });
}

}  // namespace r1::model
