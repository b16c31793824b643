#include "pipeline/world.h"

#include "core/error.h"
#include "core/files.h"
#include "model/presets.h"
#include "pipeline/config_json.h"
#include "tasks/prompt_template.h"
#include "text/bpe_trainer.h"

namespace r1::pipeline {
namespace {

using json = nlohmann::json;

constexpr const char* kBos = "<|bos|>";
constexpr const char* kEos = "<|eos|>";

}  // namespace

tasks::Problem World::sample_train(size_t t, tasks::Rng& rng) const {
  while (true) {
    auto p = tasks[t]->sample(rng);
    if (!heldout_questions.count(p.question)) return p;
  }
}

std::string World::document(const tasks::Problem& p, size_t t, tasks::Rng& rng) const {
  std::bernoulli_distribution think(think_fraction);
  return tasks::r1zero_prompt(p) + tasks[t]->write_solution(p, think(rng), rng);
}

World build_world(const json& cfg, const std::string& run_dir) {
  World w;
  for (const auto& name : cfg.at("tasks").get<std::vector<std::string>>())
    w.tasks.push_back(tasks::make_task(name, cfg.at("task_options").at(name)));
  check(!w.tasks.empty(), "config key tasks", "needs at least one task family");
  w.think_fraction = cfg.at("pretrain_data").at("think_fraction");
  // Held-out problems: a fixed seed of their own, excluded from every training stream.
  const int64_t n_eval = cfg.at("eval").at("problems");
  for (size_t t = 0; t < w.tasks.size(); ++t) {
    tasks::Rng rng(cfg.at("seed").get<uint64_t>() * 7919 + 17 + t);
    std::vector<tasks::Problem> ps;
    std::unordered_set<std::string> seen;
    for (int tries = 0; static_cast<int64_t>(ps.size()) < n_eval && tries < 100 * n_eval; ++tries) {
      auto p = w.tasks[t]->sample(rng);
      if (seen.insert(p.question).second) ps.push_back(p);
    }
    w.heldout_questions.insert(seen.begin(), seen.end());
    w.heldout.push_back(std::move(ps));
  }
  // Tokenizer: byte-level BPE trained on a sample of the corpus, saved as tokenizer.json.
  std::string tok_path = run_dir + "/tokenizer.json";
  if (path_exists(tok_path)) {
    w.tokenizer = text::Tokenizer::from_file(tok_path);
  } else {
    tasks::Rng rng(cfg.at("seed").get<uint64_t>() + 99);
    std::vector<std::string> corpus;
    for (int i = 0; i < 2000; ++i) {
      size_t t = i % w.tasks.size();
      corpus.push_back(w.document(w.sample_train(t, rng), t, rng));
    }
    text::BpeTrainerConfig tc;
    tc.num_merges = cfg.at("tokenizer").at("num_merges");
    tc.special_tokens = {kBos, kEos};
    tc.added_tokens = {"<think>", "</think>", "<answer>", "</answer>"};
    tc.bos_token = kBos;
    w.tokenizer = text::train_bpe(corpus, tc);
    w.tokenizer.save(tok_path);
  }
  w.codec.bos_id = w.tokenizer.token_to_id(kBos);
  w.codec.eos_id = w.tokenizer.token_to_id(kEos);
  w.codec.pad_id = w.codec.eos_id;
  auto tok = w.tokenizer;
  w.codec.encode = [tok](const std::string& s) { return tok.encode(s, false); };
  w.codec.decode = [tok](const std::vector<int32_t>& ids) { return tok.decode(ids, true); };
  return w;
}

model::ModelConfig tiny_model_defaults() {
  model::ModelConfig m = model::tiny_deepseek_v3(0);
  m.arch = "qwen2";
  m.hidden_size = 128;
  m.intermediate_size = 384;
  m.num_hidden_layers = 4;
  m.num_attention_heads = 4;
  m.num_key_value_heads = 2;
  m.attention_bias = true;
  m.rope_interleave = false;
  m.max_position_embeddings = 256;
  m.tie_word_embeddings = true;
  m.num_nextn_predict_layers = 0;  // MTP is a pretraining aid at scale; off in the tiny world
  return m;
}


model::CausalLM build_model(const json& cfg, const World& w) {
  model::ModelConfig mc = cfg.at("model").get<model::ModelConfig>();
  mc.vocab_size = w.tokenizer.vocab_size();
  mc.bos_token_id = w.codec.bos_id;
  mc.eos_token_id = w.codec.eos_id;
  if (mc.is_deepseek()) mc.rope_interleave = true;
  model::CausalLM m(mc);
  model::init_weights(*m, cfg.at("seed").get<uint64_t>());
  return m;
}

}  // namespace r1::pipeline
