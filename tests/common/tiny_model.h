// The tiny models tests build, in one place: each starts from model/presets.h and shrinks it, so a
// test changes a field or two instead of spelling a config out.
//   seeded_model(c, seed)    a model of config c, its weights initialised with `seed`
//   tiny_qwen2(V, P, seed)   the smallest Qwen2-style policy the RL tests train: 32 wide, 2 layers,
//                            2 heads / 1 KV head, tied embeddings, initialised with `seed`
//   micro_qwen2(V)           16 wide, 2 layers, 4 heads / 2 KV heads, q/k/v bias, untied: small
//                            enough for finite differences in double
//   micro_deepseek_v3(V)     16 wide, 2 layers (dense then MoE) + 1 MTP module, MLA 8/8/4/4/6,
//                            4 experts in 2 groups: every V3 feature at finite-difference size
#pragma once
#include <cstdint>

#include "model/causal_lm.h"
#include "model/presets.h"

namespace r1::test {

inline model::CausalLM seeded_model(const model::ModelConfig& c, uint64_t seed) {
  model::CausalLM m(c);
  model::init_weights(*m, seed);
  return m;
}

inline model::ModelConfig tiny_qwen2_config(int64_t vocab_size, int64_t max_positions) {
  auto mc = model::tiny_qwen2(vocab_size);
  mc.hidden_size = 32;
  mc.intermediate_size = 64;
  mc.num_hidden_layers = 2;
  mc.num_attention_heads = 2;
  mc.num_key_value_heads = 1;
  mc.max_position_embeddings = max_positions;
  return mc;
}

inline model::CausalLM tiny_qwen2(int64_t vocab_size, int64_t max_positions, uint64_t seed) {
  return seeded_model(tiny_qwen2_config(vocab_size, max_positions), seed);
}

inline model::ModelConfig micro_qwen2(int64_t vocab_size) {
  auto c = model::tiny_qwen2(vocab_size);
  c.hidden_size = 16;
  c.intermediate_size = 24;
  c.num_hidden_layers = 2;
  c.tie_word_embeddings = false;
  c.initializer_range = 0.2;
  return c;
}

inline model::ModelConfig micro_deepseek_v3(int64_t vocab_size) {
  auto c = model::tiny_deepseek_v3(vocab_size);
  c.hidden_size = 16;
  c.intermediate_size = 24;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.initializer_range = 0.3;
  auto& d = *c.deepseek_v3;
  d.q_lora_rank = d.kv_lora_rank = 8;
  d.qk_nope_head_dim = d.qk_rope_head_dim = 4;
  d.v_head_dim = 6;
  d.n_routed_experts = 4;
  d.n_group = 2;
  d.topk_group = 1;
  d.moe_intermediate_size = 8;
  d.aux_loss_alpha = 0.05;
  return c;
}

}  // namespace r1::test
