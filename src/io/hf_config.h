// Hugging Face config.json <-> r1::model::ModelConfig for model_type qwen2, llama and deepseek_v3.
//
// Reading applies each family's HF defaults for absent optional keys:
//   num_key_value_heads = num_attention_heads; head_dim = hidden_size / num_attention_heads (kept 0);
//   attention_bias: qwen2 true (Qwen2 always has q/k/v bias), llama and deepseek_v3 false;
//   rope_interleave (deepseek_v3 only; true elsewhere is an error): true (its checkpoints rotate
//   adjacent pairs, R1_SPEC §6.3);
//   tie_word_embeddings false; rope_theta 10000; max_position_embeddings qwen2 32768, llama 2048,
//   deepseek_v3 4096; bos/eos absent -> -1 (llama 1/2, deepseek_v3 0/1 as in HF).
// Required (an r1::Error naming "<file>: field <key>" when missing or null): model_type, vocab_size,
// hidden_size, intermediate_size, num_hidden_layers, num_attention_heads; for deepseek_v3 also
// kv_lora_rank, qk_nope_head_dim, qk_rope_head_dim, v_head_dim and q_lora_rank (null = 0: plain wq);
// its optional keys (MoE, MTP) keep model::DeepSeekV3Config's defaults when absent.
// rope_scaling: null, or {"rope_type"|"type": yarn|linear|llama3|default, factor, ...}; yarn reads
// attention_factor, beta_fast/slow, mscale, mscale_all_dim and an optional
// original_max_position_embeddings (absent: max_position_embeddings), as Hugging Face does.
// Every key not consumed (torch_dtype, quantization_config, use_cache, ...) is kept in
// ModelConfig::extra and written back unchanged; so is `architectures` when it isn't just the
// family's class (which model_type implies); unknown keys inside rope_scaling are kept in
// extra["rope_scaling"]. A list eos_token_id (Llama 3.1) maps to its first id, the list kept in extra.
// Values that would change the model but that r1cpp doesn't implement are errors, not silently
// ignored: hidden_act other than silu, use_sliding_window true, mlp_bias true, moe_layer_freq != 1.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "model/model_config.h"

namespace r1::io {

// `source` names the file in errors.
model::ModelConfig config_from_hf(const nlohmann::json& j, const std::string& source = "config.json");
model::ModelConfig load_hf_config(const std::string& path);

// HF form: model_type from arch, architectures from extra or the family's class
// (Qwen2ForCausalLM, LlamaForCausalLM, DeepseekV3ForCausalLM), extra keys merged back.
nlohmann::json config_to_hf(const model::ModelConfig& c);
void save_hf_config(const std::string& path, const model::ModelConfig& c);  // atomic

// The HF class name for an arch ("Qwen2ForCausalLM", ...).
std::string hf_architecture(const std::string& arch);

}  // namespace r1::io
