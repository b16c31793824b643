#include "bench_models.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/files.h"
#include "io/hf_config.h"
#include "io/model_dir.h"
#include "model/causal_lm.h"

namespace r1::bench {
namespace {

model::ModelConfig qwen2(int64_t vocab, int64_t hidden, int64_t mlp, int64_t layers, int64_t heads,
                         int64_t kv_heads, int64_t positions) {
  model::ModelConfig c;
  c.arch = "qwen2";
  c.vocab_size = vocab;
  c.hidden_size = hidden;
  c.intermediate_size = mlp;
  c.num_hidden_layers = layers;
  c.num_attention_heads = heads;
  c.num_key_value_heads = kv_heads;
  c.attention_bias = true;
  c.tie_word_embeddings = true;
  c.max_position_embeddings = positions;
  return c;
}

std::vector<BenchModel> make_models() {
  std::vector<BenchModel> v;
  // pipeline/world.cpp's tiny_model_defaults with the demo tokenizer's 292 tokens.
  v.push_back({"demo", "the demo's model: vocab 292, hidden 128, 4 layers, 4/2 heads, MLP 384",
               qwen2(292, 128, 384, 4, 4, 2, 256)});
  v.push_back({"demo_long", "the demo's shape with 1024 positions; token 291's logit is 0 (the stop token)",
               qwen2(292, 128, 384, 4, 4, 2, 1024), 291});
  // Weights 15x the usual scale make logits far apart, so greedy continuations vary and agree
  // between two implementations only if they compute the same function (the llama.cpp check).
  auto parity = qwen2(292, 128, 384, 4, 4, 2, 1024);
  parity.initializer_range = 0.3;
  v.push_back({"parity", "the demo's shape with weights of std 0.3, for greedy parity with llama.cpp", parity});
  v.push_back({"train25m", "hidden 512, 8 layers, 8/4 heads, MLP 1408, vocab 4096 (25.7M parameters)",
               qwen2(4096, 512, 1408, 8, 8, 4, 1024)});
  auto q = qwen2(151936, 896, 4864, 24, 14, 2, 32768);  // Qwen2.5-0.5B's config.json
  q.rope_theta = 1000000.0;
  q.rms_norm_eps = 1e-6;
  v.push_back({"qwen05b", "Qwen2.5-0.5B's shape (494M parameters), random weights, f32", q});
  return v;
}

}  // namespace

const std::vector<BenchModel>& bench_models() {
  static const std::vector<BenchModel> models = make_models();
  return models;
}

const BenchModel& bench_model(const std::string& name) {
  for (const auto& m : bench_models())
    if (m.name == name) return m;
  std::string known;
  for (const auto& m : bench_models()) known += (known.empty() ? "" : ", ") + m.name;
  throw Error("bench model '" + name + "'", "unknown (known: " + known + ")");
}

bool write_bench_model(const BenchModel& m, const std::string& models_dir) {
  const std::string dir = models_dir + "/" + m.name;
  // The config plus how the weights were made: a directory written by another version is rewritten.
  nlohmann::json stamp = {{"config", io::config_to_hf(m.config)}, {"seed", m.seed}, {"zero_logit_token", m.zero_logit_token}};
  const std::string stamp_path = dir + "/bench_model.json";
  if (std::filesystem::exists(stamp_path) && nlohmann::json::parse(read_file(stamp_path), nullptr, false) == stamp)
    return false;
  model::CausalLM lm(m.config);
  model::init_weights(*lm, m.seed);
  if (m.zero_logit_token >= 0) {
    torch::NoGradGuard ng;
    lm->model->embed_tokens->weight[m.zero_logit_token].zero_();
  }
  io::save_model_dir(dir, *lm, nullptr);
  write_file_atomic(stamp_path, stamp.dump(2) + "\n");
  return true;
}

}  // namespace r1::bench
