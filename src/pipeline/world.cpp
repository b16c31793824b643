#include "pipeline/world.h"

#include "core/data_dir.h"
#include "core/error.h"
#include "core/files.h"
#include "core/seed.h"
#include "model/presets.h"
#include "pipeline/config_json.h"
#include "tasks/datasets/benchmarks.h"
#include "tasks/datasets/dataset_task.h"
#include "tasks/prompt_template.h"
#include "text/bpe_trainer.h"

namespace r1::pipeline {
namespace {

using json = nlohmann::json;

constexpr const char* kBos = "<|bos|>";
constexpr const char* kEos = "<|eos|>";

// Rejection draws sample_train makes before concluding that a task has nothing left to train on.
constexpr int64_t kMaxTrainDraws = 1000000;

const tasks::DatasetTask* as_file_task(const tasks::Task& t) { return dynamic_cast<const tasks::DatasetTask*>(&t); }

// A job whose defaults have no data_dir key offers synthetic families only.
std::string data_dir_of(const json& cfg) { return cfg.contains("data_dir") ? cfg.at("data_dir").get<std::string>() : ""; }

// A task of the config's "tasks" list: a synthetic family (tasks::make_task with its task_options
// entry) or a benchmark file under data_dir (tasks/datasets/benchmarks.h).
std::unique_ptr<tasks::Task> make_job_task(const std::string& name, const json& cfg) {
  if (tasks::is_dataset_benchmark(name)) {
    return tasks::make_dataset_task(name, data_dir_of(cfg));
  }
  const json& options = cfg.at("task_options");
  if (!options.contains(name)) {
    std::string known;
    for (auto it = options.begin(); it != options.end(); ++it) known += (known.empty() ? "" : ", ") + it.key();
    known += " (synthetic); ";
    for (const auto& n : tasks::dataset_benchmark_names()) known += n + ", ";
    known.resize(known.size() - 2);
    throw Error("config key tasks", "unknown task '" + name + "' (known: " + known + " (benchmark files under data_dir))");
  }
  return tasks::make_task(name, options.at(name));
}

}  // namespace

std::vector<tasks::Problem> distinct_problems(const tasks::Task& task, int64_t n, tasks::Rng& rng) {
  std::vector<tasks::Problem> out;
  std::unordered_set<std::string> seen;
  for (int64_t tries = 0; static_cast<int64_t>(out.size()) < n && tries < 100 * n; ++tries) {
    auto p = task.sample(rng);
    if (seen.insert(p.question).second) out.push_back(std::move(p));
  }
  return out;
}

tasks::Problem sample_excluding(const tasks::Task& task, const std::unordered_set<std::string>& excluded,
                                tasks::Rng& rng) {
  for (int64_t draw = 0; draw < kMaxTrainDraws; ++draw) {
    auto p = task.sample(rng);
    if (!excluded.count(p.question)) return p;
  }
  throw Error("task " + task.name(), std::to_string(kMaxTrainDraws) +
                                         " draws in a row were all held-out problems; lower the number held out or "
                                         "widen the task's options");
}

tasks::Problem World::sample_train(size_t t, tasks::Rng& rng) const {
  return sample_excluding(*tasks[t], heldout_questions, rng);
}

std::string World::document(const tasks::Problem& p, size_t t, tasks::Rng& rng) const {
  std::bernoulli_distribution think(think_fraction);
  return tasks::r1zero_prompt(p) + tasks[t]->write_solution(p, think(rng), rng);
}

tasks::PromptStyle World::prompt_style(size_t t) const {
  return chat && as_file_task(*tasks[t]) ? tasks::PromptStyle::kR1Chat : tasks::PromptStyle::kR1Zero;
}

tasks::Prompt World::prompt(const tasks::Problem& p, size_t t) const {
  return prompt_style(t) == tasks::PromptStyle::kR1Chat ? tasks::r1_chat_prompt(*chat, p) : tasks::r1_zero_prompt(p);
}

json with_data_dir(json cfg) {
  if (!cfg.contains("data_dir") || !data_dir_of(cfg).empty()) return cfg;
  for (const auto& name : cfg.at("tasks").get<std::vector<std::string>>())
    if (tasks::is_dataset_benchmark(name)) {
      cfg["data_dir"] = find_data_dir(tasks::benchmark_file(name));
      break;
    }
  return cfg;
}

World build_tasks(const json& cfg) {
  World w;
  for (const auto& name : cfg.at("tasks").get<std::vector<std::string>>()) w.tasks.push_back(make_job_task(name, cfg));
  check(!w.tasks.empty(), "config key tasks", "needs at least one task family");
  w.think_fraction = cfg.at("pretrain_data").at("think_fraction");
  // Held-out problems: a fixed seed of their own, excluded from every training stream.
  const int64_t n_eval = cfg.at("eval").at("problems");
  for (size_t t = 0; t < w.tasks.size(); ++t) {
    tasks::Rng rng(derive_seed(cfg.at("seed").get<uint64_t>(), "heldout", {t}));
    auto ps = distinct_problems(*w.tasks[t], n_eval, rng);
    for (const auto& p : ps) w.heldout_questions.insert(p.question);
    w.heldout.push_back(std::move(ps));
  }
  // A benchmark file is finite: it must keep problems to train on besides the held-out ones.
  for (const auto& task : w.tasks) {
    const auto* file = as_file_task(*task);
    if (!file) continue;
    size_t trainable = 0;
    for (const auto& p : file->problems()) trainable += !w.heldout_questions.count(p.question);
    check(trainable > 0, "task " + task->name(),
          "all " + std::to_string(file->problems().size()) + " problems of its file are held out for evaluation "
          "(eval.problems = " + std::to_string(n_eval) + "); lower eval.problems to leave some to train on");
  }
  return w;
}

World build_world(const json& cfg, const std::string& run_dir) {
  World w = build_tasks(cfg);
  std::string tok_path = run_dir + "/tokenizer.json";
  if (path_exists(tok_path)) {
    w.tokenizer = text::Tokenizer::from_file(tok_path);
  } else {
    tasks::Rng rng(derive_seed(cfg.at("seed").get<uint64_t>(), "tokenizer_corpus"));
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
  w.codec = text::make_codec(w.tokenizer, w.tokenizer.token_to_id(kBos), w.tokenizer.token_to_id(kEos));
  return w;
}

void use_checkpoint_text(World& w, const io::LoadedModel& loaded, const std::string& dir) {
  check(loaded.tokenizer.has_value(), dir, "has no tokenizer.json (GRPO reads rollouts with the checkpoint's tokenizer)");
  w.tokenizer = *loaded.tokenizer;
  w.codec = text::make_codec(w.tokenizer, loaded.model->config().bos_token_id, loaded.model->config().eos_token_id);
  check(w.codec.eos_id >= 0, dir + "/config.json", "has no eos_token_id: GRPO rollouts need an end-of-sequence token");
  w.tokenizer_config = loaded.tokenizer_config;
  w.chat = tasks::model_chat_template(loaded.tokenizer_config, dir + "/tokenizer_config.json");
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
