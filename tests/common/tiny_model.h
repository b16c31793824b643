// The smallest Qwen2-style policy the RL tests train: 32 wide, 2 layers, 2 heads / 1 KV head, tied
// embeddings, initialised with `seed`.
#pragma once
#include <cstdint>

#include "model/causal_lm.h"

namespace r1::test {

inline model::CausalLM tiny_qwen2(int64_t vocab_size, int64_t max_positions, uint64_t seed) {
  model::ModelConfig mc;
  mc.arch = "qwen2";
  mc.vocab_size = vocab_size;
  mc.hidden_size = 32;
  mc.intermediate_size = 64;
  mc.num_hidden_layers = 2;
  mc.num_attention_heads = 2;
  mc.num_key_value_heads = 1;
  mc.max_position_embeddings = max_positions;
  mc.tie_word_embeddings = true;
  model::CausalLM m(mc);
  model::init_weights(*m, seed);
  return m;
}

}  // namespace r1::test
