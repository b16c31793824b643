#include "pipeline/r1zero.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <unordered_set>

#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "core/metrics.h"
#include "dist/threads.h"
#include "eval/task_eval.h"
#include "io/model_dir.h"
#include "model/causal_lm.h"
#include "model/presets.h"
#include "pipeline/config_json.h"
#include "report/html_report.h"
#include "rl/grpo_trainer.h"
#include "tasks/prompt_template.h"
#include "text/bpe_trainer.h"
#include "text/tokenizer.h"
#include "train/lm_trainer.h"

namespace r1::pipeline {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kBos = "<|bos|>";
constexpr const char* kEos = "<|eos|>";

// The demo policy: a ~0.8M-parameter Qwen2-style model. The DeepSeek-V3 fields carry the CPU-sized
// MLA + MoE shape of model/presets.h, so `--model.arch deepseek_v3` runs the same job on it.
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

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The tiny world: task families, tokenizer, held-out problems.
struct World {
  std::vector<std::unique_ptr<tasks::Task>> tasks;
  text::Tokenizer tokenizer;
  eval::TextCodec codec;
  std::vector<std::vector<tasks::Problem>> heldout;  // per task
  std::unordered_set<std::string> heldout_questions;
  double think_fraction = 0.5;

  // A training problem of task t that is not held out.
  tasks::Problem sample_train(size_t t, tasks::Rng& rng) const {
    while (true) {
      auto p = tasks[t]->sample(rng);
      if (!heldout_questions.count(p.question)) return p;
    }
  }
  // "User: …\nAssistant: <solution>" — thinking with probability think_fraction.
  std::string document(const tasks::Problem& p, size_t t, tasks::Rng& rng) const {
    std::bernoulli_distribution think(think_fraction);
    return tasks::r1zero_prompt(p) + tasks[t]->write_solution(p, think(rng), rng);
  }
};

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

json eval_json(const eval::TaskEvalResult& r) {
  return {{"pass@1", r.pass1}, {"k", r.k}, {"problems", r.problems}, {"think_rate", r.think_rate},
          {"response_length", r.response_length}, {"format_rate", r.format_rate}};
}

// Every task in three modes (free, forced think, forced direct).
json evaluate_all(model::CausalLMImpl& m, const World& w, const json& cfg, const std::string& label) {
  eval::TaskEvalConfig ec;
  ec.k = cfg.at("eval").at("k");
  ec.sampling.temperature = cfg.at("eval").at("temperature");
  ec.sampling.top_p = cfg.at("eval").at("top_p");
  ec.sampling.max_new_tokens = cfg.at("eval").at("max_new_tokens");
  ec.sampling.seed = cfg.at("seed").get<uint64_t>() + 4242;
  json out;
  for (size_t t = 0; t < w.tasks.size(); ++t) {
    json per;
    for (auto [mode, name] : {std::pair{tasks::ResponseMode::kFree, "free"},
                              std::pair{tasks::ResponseMode::kForceThink, "forced_think"},
                              std::pair{tasks::ResponseMode::kForceDirect, "forced_direct"}}) {
      ec.mode = mode;
      auto r = eval::evaluate_task(m, *w.tasks[t], w.heldout[t], w.codec, ec);
      per[name] = eval_json(r);
    }
    std::fprintf(stderr, "[eval %s] %-12s pass@1 %.3f (think %.3f, direct %.3f) | think-rate %.2f | length %.1f\n",
                 label.c_str(), w.tasks[t]->name().c_str(), per["free"]["pass@1"].get<double>(),
                 per["forced_think"]["pass@1"].get<double>(), per["forced_direct"]["pass@1"].get<double>(),
                 per["free"]["think_rate"].get<double>(), per["free"]["response_length"].get<double>());
    out[w.tasks[t]->name()] = per;
  }
  return out;
}

// Pretraining rows: documents "BOS text EOS" packed back to back into rows of pack_length + 1
// tokens (no padding; a row's last document is cut), or one document per row when pack_length is 0.
// Each step's batch is a pure function of (seed, step): reproducible and resumable.
train::LmTrainResult pretrain(model::CausalLMImpl& m, const World& w, const json& cfg, MetricsWriter& metrics) {
  auto tc = cfg.at("pretrain").get<train::LmTrainConfig>();
  const uint64_t seed = cfg.at("seed");
  const size_t pack = cfg.at("pretrain_data").at("pack_length").get<int64_t>();
  auto source = [&](int64_t step) {
    tasks::Rng rng(seed * 1000003 + step);
    std::vector<train::Example> batch;
    size_t doc_index = 0;  // alternates task families
    auto next_document = [&]() {
      size_t t = doc_index++ % w.tasks.size();
      std::vector<int32_t> ids{w.codec.bos_id};
      auto body = w.codec.encode(w.document(w.sample_train(t, rng), t, rng));
      ids.insert(ids.end(), body.begin(), body.end());
      ids.push_back(w.codec.eos_id);
      return ids;
    };
    for (int64_t i = 0; i < tc.batch_size; ++i) {
      train::Example e;
      e.ids = next_document();
      while (pack > 0 && e.ids.size() < pack + 1) {
        auto more = next_document();
        e.ids.insert(e.ids.end(), more.begin(), more.end());
      }
      if (pack > 0) e.ids.resize(pack + 1);
      batch.push_back(std::move(e));
    }
    return batch;
  };
  return train::train_lm(m, source, tc, w.codec.pad_id, &metrics, "pretrain");
}

void grpo(model::CausalLMImpl& m, const World& w, const json& cfg, MetricsWriter& metrics) {
  auto gc = cfg.at("rl").get<rl::GrpoConfig>();
  gc.seed = cfg.at("seed");
  rl::GrpoEnvironment env;
  env.eos_id = w.codec.eos_id;
  env.pad_id = w.codec.pad_id;
  env.decode = w.codec.decode;
  env.prompts = [&](int64_t step) {
    tasks::Rng rng(gc.seed * 7777 + step);
    std::vector<rl::RolloutPrompt> out;
    for (int64_t i = 0; i < gc.prompts_per_step; ++i) {
      size_t t = (step * gc.prompts_per_step + i) % w.tasks.size();
      rl::RolloutPrompt p;
      p.problem = w.sample_train(t, rng);
      p.task = w.tasks[t].get();
      p.ids = eval::encode_prompt(w.codec, p.problem, tasks::ResponseMode::kFree);
      out.push_back(std::move(p));
    }
    return out;
  };
  rl::train_grpo(m, env, gc, &metrics);
}

void print_table(const json& base, const json& final_eval) {
  std::printf("\n%-12s %-6s %8s %8s %8s %8s %8s\n", "task", "model", "pass@1", "think", "direct", "thinks", "length");
  for (auto it = base.begin(); it != base.end(); ++it) {
    for (auto [label, ev] : {std::pair{"base", &base}, std::pair{"RL", &final_eval}}) {
      const auto& r = (*ev)[it.key()];
      std::printf("%-12s %-6s %8.3f %8.3f %8.3f %8.2f %8.1f\n", it.key().c_str(), label,
                  r["free"]["pass@1"].get<double>(), r["forced_think"]["pass@1"].get<double>(),
                  r["forced_direct"]["pass@1"].get<double>(), r["free"]["think_rate"].get<double>(),
                  r["free"]["response_length"].get<double>());
    }
  }
  std::printf("(pass@1 over k samples per held-out problem; think/direct: accuracy when the response is forced to\n"
              " open with <think> / <answer>; thinks: share of free responses that think; length in tokens)\n\n");
}

}  // namespace

json r1zero_defaults() {
  train::LmTrainConfig pre;
  pre.steps = 1500;  // 1000 left the base unable to add reliably (think pass@1 0.11); 1200 reached 0.99
  pre.batch_size = 18;  // rows of 128 packed tokens: ~2.3k tokens a step
  pre.lr = 3e-3;
  pre.warmup_steps = 50;
  rl::GrpoConfig rl;
  return {
      {"run_dir", "runs/demo"},
      {"seed", 1},
      {"threads", {{"aten", 1}, {"blas", 1}}},  // 0 = library default; see dist/threads.h and bench/
      {"tasks", {"running_sum", "countdown"}},
      {"task_options",
       {{"running_sum", {{"terms", 4}, {"max_digit", 9}, {"modulus", 10}}},
        {"countdown", {{"numbers", 3}, {"max_number", 9}, {"max_target", 99}, {"max_failed_tries", 2}}}}},
      {"tokenizer", {{"num_merges", 48}}},
      {"model", tiny_model_defaults()},
      {"pretrain_data", {{"think_fraction", 0.5}, {"pack_length", 128}}},
      {"pretrain", pre},
      {"rl", rl},
      {"eval", {{"problems", 100}, {"k", 4}, {"temperature", 0.6}, {"top_p", 0.95}, {"max_new_tokens", 64}}},
  };
}

namespace {

// Wall seconds of finished stages, kept in the run directory so a resumed run reports them too.
struct StageClock {
  std::string path;
  json seconds = json::object();
  explicit StageClock(const std::string& run_dir) : path(run_dir + "/stage_seconds.json") {
    if (path_exists(path)) seconds = json::parse(read_file(path));
  }
  void record(const std::string& stage, double s) {
    seconds[stage] = s;
    write_file_atomic(path, seconds.dump(2) + "\n");
  }
};

std::string base_dir(const json& cfg) { return cfg.at("run_dir").get<std::string>() + "/checkpoints/base"; }
std::string final_dir(const json& cfg) { return cfg.at("run_dir").get<std::string>() + "/checkpoints/final"; }

void prepare_run_dir(const json& cfg) {
  const std::string run_dir = cfg.at("run_dir");
  make_dirs(run_dir);
  write_file_atomic(run_dir + "/config.json", cfg.dump(2) + "\n");
  log_info(dist::apply_thread_settings({cfg.at("threads").at("aten"), cfg.at("threads").at("blas")}));
}

model::CausalLM load_checkpoint_model(const std::string& dir) {
  auto loaded = io::load_model_dir(dir);
  log_info("loaded " + dir);
  return loaded.model;
}

// A finished stage's checkpoint is reused; otherwise the stage runs and saves one.
model::CausalLM pretrained_base(const json& cfg, const World& w, MetricsWriter& metrics, StageClock& clock) {
  if (path_exists(base_dir(cfg) + "/config.json")) return load_checkpoint_model(base_dir(cfg));
  auto t = std::chrono::steady_clock::now();
  auto m = build_model(cfg, w);
  log_info("model: " + m->config().arch + ", " + std::to_string(model::parameter_count(*m)) + " parameters, vocab " +
           std::to_string(w.tokenizer.vocab_size()));
  auto result = pretrain(*m, w, cfg, metrics);
  io::save_model_dir(base_dir(cfg), *m, &w.tokenizer);
  clock.record("pretrain", since(t));
  log_info("pretraining: final loss " + std::to_string(result.final_loss) + ", " +
           std::to_string(static_cast<int64_t>(result.tokens / std::max(1e-9, result.seconds))) + " tokens/s");
  return m;
}

// Evaluations are cached as eval_<name>.json (a resumed run does not redo them).
json cached_eval(model::CausalLMImpl& m, const World& w, const json& cfg, const std::string& name,
                 MetricsWriter& metrics, StageClock& clock) {
  const std::string path = cfg.at("run_dir").get<std::string>() + "/eval_" + name + ".json";
  if (path_exists(path)) return json::parse(read_file(path));
  auto t = std::chrono::steady_clock::now();
  json results = evaluate_all(m, w, cfg, name);
  write_file_atomic(path, results.dump(2) + "\n");
  metrics.write({{"stage", "eval"}, {"model", name}, {"results", results}});
  clock.record("eval_" + name, since(t));
  return results;
}

}  // namespace

json run_r1zero(const json& cfg) {
  auto t_all = std::chrono::steady_clock::now();
  prepare_run_dir(cfg);
  const std::string run_dir = cfg.at("run_dir");
  MetricsWriter metrics(run_dir + "/metrics.jsonl");
  StageClock clock(run_dir);

  World w = build_world(cfg, run_dir);
  auto m = pretrained_base(cfg, w, metrics, clock);
  json base = cached_eval(*m, w, cfg, "base", metrics, clock);
  if (path_exists(final_dir(cfg) + "/config.json")) {
    m = load_checkpoint_model(final_dir(cfg));
  } else {
    auto t = std::chrono::steady_clock::now();
    grpo(*m, w, cfg, metrics);
    io::save_model_dir(final_dir(cfg), *m, &w.tokenizer);
    clock.record("grpo", since(t));
  }
  json final_eval = cached_eval(*m, w, cfg, "final", metrics, clock);

  json wall = clock.seconds;
  wall["this_run_total"] = since(t_all);
  json summary = {{"base", base}, {"final", final_eval}, {"wall_seconds", wall},
                  {"parameters", model::parameter_count(*m)}, {"model", cfg.at("model").at("arch")}};
  write_file_atomic(run_dir + "/summary.json", summary.dump(2) + "\n");
  report::write_r1zero_report(run_dir);
  print_table(base, final_eval);
  std::printf("run directory: %s (report.html, summary.json, metrics.jsonl, checkpoints/); wall %.0f s\n",
              run_dir.c_str(), wall["this_run_total"].get<double>());
  return summary;
}

void run_pretrain_stage(const json& cfg) {
  prepare_run_dir(cfg);
  MetricsWriter metrics(cfg.at("run_dir").get<std::string>() + "/metrics.jsonl");
  StageClock clock(cfg.at("run_dir"));
  World w = build_world(cfg, cfg.at("run_dir"));
  check(!path_exists(base_dir(cfg) + "/config.json"), base_dir(cfg),
        "already holds a pretrained checkpoint; choose another --run_dir");
  pretrained_base(cfg, w, metrics, clock);
  std::printf("base checkpoint: %s\n", base_dir(cfg).c_str());
}

void run_grpo_stage(const json& cfg, const std::string& init_dir) {
  prepare_run_dir(cfg);
  MetricsWriter metrics(cfg.at("run_dir").get<std::string>() + "/metrics.jsonl");
  StageClock clock(cfg.at("run_dir"));
  // The policy keeps the tokenizer it was trained with: the checkpoint's, when the run has none.
  auto loaded = io::load_model_dir(init_dir.empty() ? base_dir(cfg) : init_dir);
  const std::string tok_path = cfg.at("run_dir").get<std::string>() + "/tokenizer.json";
  if (!path_exists(tok_path) && loaded.tokenizer) loaded.tokenizer->save(tok_path);
  World w = build_world(cfg, cfg.at("run_dir"));
  auto m = loaded.model;
  auto t = std::chrono::steady_clock::now();
  grpo(*m, w, cfg, metrics);
  io::save_model_dir(final_dir(cfg), *m, &w.tokenizer);
  clock.record("grpo", since(t));
  json final_eval = cached_eval(*m, w, cfg, "final", metrics, clock);
  std::printf("RL checkpoint: %s\n%s\n", final_dir(cfg).c_str(), final_eval.dump(2).c_str());
}

}  // namespace r1::pipeline
