#include "pipeline/world.h"

#include "core/data_dir.h"
#include "core/error.h"
#include "core/files.h"
#include "core/seed.h"
#include "tasks/datasets/benchmarks.h"
#include "tasks/datasets/dataset_task.h"
#include "tasks/prompt_template.h"
#include "text/bpe_trainer.h"

namespace r1::pipeline {
namespace {

constexpr const char* kBos = "<|bos|>";
constexpr const char* kEos = "<|eos|>";

// Rejection draws sample_train makes before concluding that a task has nothing left to train on.
constexpr int64_t kMaxTrainDraws = 1000000;

const tasks::DatasetTask* as_file_task(const tasks::Task& t) { return dynamic_cast<const tasks::DatasetTask*>(&t); }

// A task of the config's "tasks" list: a synthetic family with its task_options entry, or a
// benchmark file under data_dir (tasks/datasets/benchmarks.h). The names were checked with the
// config (check_task_names).
std::unique_ptr<tasks::Task> make_job_task(const std::string& name, const JobConfig& cfg) {
  if (tasks::is_dataset_benchmark(name)) return tasks::make_dataset_task(name, cfg.data_dir);
  return tasks::make_synthetic_task(name, cfg.task_options);
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

void resolve_data_dir(JobConfig& cfg) {
  if (!cfg.data_dir.empty()) return;
  for (const auto& name : cfg.tasks)
    if (tasks::is_dataset_benchmark(name)) {
      cfg.data_dir = find_data_dir(tasks::benchmark_file(name));
      return;
    }
}

World build_tasks(const JobConfig& cfg) {
  World w;
  for (const auto& name : cfg.tasks) w.tasks.push_back(make_job_task(name, cfg));
  check(!w.tasks.empty(), "config key tasks", "needs at least one task family");
  w.think_fraction = cfg.pretrain_data.think_fraction;
  // Held-out problems: a fixed seed of their own, excluded from every training stream.
  const int64_t n_eval = cfg.eval.problems;
  for (size_t t = 0; t < w.tasks.size(); ++t) {
    tasks::Rng rng(derive_seed(cfg.seed, "heldout", {t}));
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

std::vector<eval::Benchmark> heldout_benchmarks(const JobConfig& cfg) {
  World w = build_tasks(cfg);
  std::vector<eval::Benchmark> out;
  for (size_t t = 0; t < w.tasks.size(); ++t) {
    eval::Benchmark b;
    b.name = cfg.tasks[t];
    b.synthetic = !tasks::is_dataset_benchmark(b.name);
    b.problems = w.heldout[t];
    for (size_t i = 0; i < b.problems.size(); ++i)
      if (!b.problems[i].data.contains("id")) b.problems[i].data["id"] = b.name + "/heldout/" + std::to_string(i);
    b.task = std::shared_ptr<const tasks::Task>(std::move(w.tasks[t]));
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<std::string> heldout_documents(const JobConfig& cfg) {
  World w = build_tasks(cfg);
  tasks::Rng rng(derive_seed(cfg.seed, "heldout_text"));
  std::vector<std::string> docs;
  for (size_t t = 0; t < w.tasks.size(); ++t)
    for (const auto& p : w.heldout[t]) docs.push_back(w.document(p, t, rng));
  return docs;
}

World build_world(const JobConfig& cfg) {
  World w = build_tasks(cfg);
  std::string tok_path = cfg.run_dir + "/tokenizer.json";
  if (path_exists(tok_path)) {
    w.tokenizer = text::Tokenizer::from_file(tok_path);
  } else {
    tasks::Rng rng(derive_seed(cfg.seed, "tokenizer_corpus"));
    std::vector<std::string> corpus;
    for (int i = 0; i < 2000; ++i) {
      size_t t = i % w.tasks.size();
      corpus.push_back(w.document(w.sample_train(t, rng), t, rng));
    }
    text::BpeTrainerConfig tc;
    tc.num_merges = cfg.tokenizer.num_merges;
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

model::CausalLM build_model(model::ModelConfig mc, const std::string& config_key, uint64_t seed, const World& w) {
  const int64_t vocab = w.tokenizer.vocab_size();
  if (mc.vocab_size != 0 && mc.vocab_size != vocab)
    throw UsageError(config_key + ".vocab_size", "is " + std::to_string(mc.vocab_size) + " but the tokenizer has " +
                                                     std::to_string(vocab) + " ids; leave it 0 (the tokenizer's size)");
  mc.vocab_size = vocab;
  mc.bos_token_id = w.codec.bos_id;
  mc.eos_token_id = w.codec.eos_id;
  model::CausalLM m(mc);
  model::init_weights(*m, seed);
  return m;
}

}  // namespace r1::pipeline
