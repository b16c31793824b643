// Small named configurations for tests, benchmarks and CPU demos: the one place tiny models are
// spelled out (callers change a field or two on the result rather than build configs by hand).
#pragma once
#include "model/model_config.h"

namespace r1::model {

// A CPU-sized Qwen2: 4 layers of width 128, 4 heads / 2 KV heads (GQA), SwiGLU 384, q/k/v biases,
// tied embeddings, 4096 positions — ModelConfig's defaults with the vocabulary set.
ModelConfig tiny_qwen2(int64_t vocab_size);

// A CPU-sized DeepSeek-V3 with every V3 feature switched on: 3 layers (the first dense), MLA with
// query compression (q_lora 32, kv_lora 32, nope 16, rope 16, v 16, 4 heads), DeepSeekMoE with
// 8 routed experts in 4 groups (2 groups, 2 experts per token), 1 shared expert, sigmoid scores with
// the noaux_tc bias, one MTP module, untied head, interleaved RoPE as the released weights.
// About 1.0M parameters plus 2 * vocab * 128 for embedding and head.
ModelConfig tiny_deepseek_v3(int64_t vocab_size);

}  // namespace r1::model
