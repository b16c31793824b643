// Tiny Hugging Face checkpoints with a real r1cpp tokenizer, for the GGUF export tests and the
// llama.cpp parity test: a byte-level BPE trained on a small mixed corpus (words, digits, code,
// accents, CJK, emoji), and a seeded random Qwen2 or Llama model whose every parameter (norms and
// biases too) is nonzero and distinct, so a misnamed or mislaid tensor cannot go unnoticed.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "io/model_dir.h"
#include "model/causal_lm.h"
#include "text/bpe_trainer.h"

namespace r1::io::testing {

struct TinyCheckpoint {
  std::string arch = "qwen2";  // "qwen2" | "llama"
  text::PreTokenizerKind pre_tokenizer = text::PreTokenizerKind::Qwen2;
  int64_t hidden = 64, intermediate = 128, layers = 2, heads = 4, kv_heads = 2;
  bool tie = true;
  // Weight scale. Large enough that greedy decoding has clear winners (logit gaps far above float
  // rounding) and does not settle into a loop at once (tied Qwen2 at 0.1 repeats 2 tokens), small
  // enough that the model is not chaotic (at 0.3, q8_0 rounding of the weights alone changes the
  // second greedy token of r1cpp's own decoding).
  double init_std = 0.15;
  uint64_t seed = 1;
};

inline std::vector<std::string> tiny_corpus() {
  return {"The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs away.",
          "User: what is 12 + 345? Assistant: <think>12 + 345 = 357</think> The answer is 357.",
          "def add(a, b):\n    return a + b  # it's simple, isn't it?\n\n",
          "Ünïcödé àccents, 中文字符 and emoji 😀🚀 mixed with ASCII text and  double  spaces.",
          "I'll say we've done it; they'd agree you're right. 2024-05-17 at 10:30, 3.14159 and 1,000,000."};
}

// Writes the checkpoint (config.json, model.safetensors, tokenizer.json, tokenizer_config.json).
inline void write_tiny_checkpoint(const std::string& dir, const TinyCheckpoint& o) {
  text::BpeTrainerConfig tc;
  tc.num_merges = 200;
  tc.min_frequency = 1;
  tc.pre_tokenizer = o.pre_tokenizer;
  tc.special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  tc.added_tokens = {"<think>", "</think>"};
  if (o.arch == "llama") {
    tc.special_tokens.insert(tc.special_tokens.begin(), "<|begin_of_text|>");
    tc.bos_token = "<|begin_of_text|>";
  }
  const text::Tokenizer tok = text::train_bpe(tiny_corpus(), tc);
  model::ModelConfig mc;
  mc.arch = o.arch;
  mc.vocab_size = tok.vocab_size();
  mc.hidden_size = o.hidden;
  mc.intermediate_size = o.intermediate;
  mc.num_hidden_layers = o.layers;
  mc.num_attention_heads = o.heads;
  mc.num_key_value_heads = o.kv_heads;
  mc.max_position_embeddings = 512;
  mc.rope_theta = 10000.0;
  mc.attention_bias = o.arch == "qwen2";
  mc.tie_word_embeddings = o.tie;
  mc.initializer_range = o.init_std;
  mc.bos_token_id = o.arch == "llama" ? tok.token_to_id("<|begin_of_text|>") : -1;
  mc.eos_token_id = tok.token_to_id("<|endoftext|>");
  model::CausalLM m(mc);
  model::init_weights(*m, o.seed);
  {
    torch::NoGradGuard no_grad;
    torch::manual_seed(o.seed + 1000);
    for (auto& p : m->named_parameters()) {
      const std::string& n = p.key();
      if (n.find("norm") != std::string::npos) p.value().add_(torch::randn_like(p.value()) * 0.1);
      if (n.size() > 5 && n.compare(n.size() - 5, 5, ".bias") == 0) p.value().copy_(torch::randn_like(p.value()) * 0.1);
    }
  }
  nlohmann::json tcfg = {{"eos_token", "<|endoftext|>"}, {"pad_token", "<|endoftext|>"},
                         {"chat_template", "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"}};
  if (o.arch == "llama") tcfg["bos_token"] = "<|begin_of_text|>";
  save_model_dir(dir, *m, &tok, tcfg);
}

// r1cpp's greedy continuation of `prompt` by full recomputation (the engine's KV-cache path is held
// equal to it by tests/engine), with the smallest gap between the best and second-best logit seen.
struct Greedy {
  std::vector<int64_t> tokens;
  double min_gap = 1e30;
};
inline Greedy greedy_decode(model::CausalLMImpl& m, const std::vector<int64_t>& prompt, int64_t n) {
  torch::NoGradGuard no_grad;
  Greedy g;
  std::vector<int64_t> ids = prompt;
  for (int64_t i = 0; i < n; ++i) {
    const at::Tensor logits = m.forward(torch::tensor(ids, torch::kInt64).unsqueeze(0))[0][-1];  // [V]
    const auto top = logits.topk(2);
    g.min_gap = std::min(g.min_gap, (std::get<0>(top)[0] - std::get<0>(top)[1]).item<double>());
    const int64_t next = std::get<1>(top)[0].item<int64_t>();
    g.tokens.push_back(next);
    ids.push_back(next);
  }
  return g;
}

}  // namespace r1::io::testing
