#include "model/presets.h"

namespace r1::model {

ModelConfig tiny_qwen2(int64_t vocab_size) {
  ModelConfig c;
  c.arch = "qwen2";
  c.vocab_size = vocab_size;
  return c;
}

ModelConfig tiny_deepseek_v3(int64_t vocab_size) {
  ModelConfig c;
  c.arch = "deepseek_v3";
  c.vocab_size = vocab_size;
  c.hidden_size = 128;
  c.intermediate_size = 256;  // the dense layer
  c.num_hidden_layers = 3;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 4;  // unused by MLA; HF configs carry it equal to the head count
  c.attention_bias = false;
  c.tie_word_embeddings = false;
  c.deepseek_v3 = DeepSeekV3Config();  // the defaults are this CPU-sized shape (deepseek_v3_config.h)
  c.deepseek_v3->num_nextn_predict_layers = 1;
  return c;
}

}  // namespace r1::model
