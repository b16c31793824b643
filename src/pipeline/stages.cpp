#include "pipeline/stages.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <unordered_set>

#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "core/seed.h"
#include "dist/threads.h"
#include "io/model_dir.h"
#include "tasks/datasets/dataset_task.h"
#include "train/resumable_run.h"

namespace r1::pipeline {

using json = nlohmann::json;
namespace fs = std::filesystem;

json task_eval_json(const eval::TaskEvalResult& r) {
  return {{"pass@1", r.pass1}, {"k", r.k}, {"problems", r.problems}, {"think_rate", r.think_rate},
          {"response_length", r.response_length}, {"format_rate", r.format_rate},
          {"cons@k", r.cons_at_k}, {"language_mixing", r.language_mixing}};
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

StageClock::StageClock(const std::string& run_dir) : path(run_dir + "/stage_seconds.json") {
  if (path_exists(path)) seconds = json::parse(read_file(path));
}

void StageClock::record(const std::string& stage, double s) {
  seconds[stage] = s;
  write_file_atomic(path, seconds.dump(2) + "\n");
}

void prepare_run_dir(const JobConfig& cfg, const json& resolved, const json& result, bool is_main) {
  if (!is_main) {
    log_info(dist::apply_thread_settings(cfg.threads));
    return;
  }
  const std::string& run_dir = cfg.run_dir;
  make_dirs(run_dir);
  const std::string config_path = run_dir + "/config.json";
  if (path_exists(config_path)) {
    // Its checkpoints may be this job's inputs (`r1 grpo` starts from checkpoints/base): never
    // deletes nothing, it asks for a fresh directory.
    if (cfg.resume == ResumeMode::kNever)
      throw UsageError(run_dir, "already holds a run (config.json) and resume is never: choose a fresh --run_dir");
    const json saved = json::parse(read_file(config_path), nullptr, false);
    const auto diff = saved.is_discarded() ? std::optional<std::string>("config.json is not JSON")
                                           : schema::first_difference(result, saved);
    if (diff) {
      if (cfg.resume != ResumeMode::kForce)
        throw UsageError(config_path, "this run directory holds a run with another configuration (" + *diff +
                                          "); pass --resume force to reuse its finished stages and checkpoints anyway, "
                                          "or choose another --run_dir");
      log_warn("resume = force: continuing a run whose configuration differs (" + *diff + ")");
    }
  }
  // Temporary model directories of an interrupted save (checkpoints/<stage>.tmp-PID-N).
  if (fs::is_directory(run_dir + "/checkpoints"))
    for (const auto& e : fs::directory_iterator(run_dir + "/checkpoints"))
      if (e.path().filename().string().find(".tmp-") != std::string::npos) fs::remove_all(e.path());
  write_file_atomic(config_path, resolved.dump(2) + "\n");
  log_info(dist::apply_thread_settings(cfg.threads));
}

model::CausalLM load_checkpoint_model(const std::string& dir) {
  auto loaded = io::load_model_dir(dir);
  log_info("loaded " + dir);
  return loaded.model;
}

train::LmTrainResult pretrain(model::CausalLMImpl& m, const World& w, const JobConfig& cfg, const train::LmTrainConfig& tc,
                              MetricsWriter& metrics, const std::string& stage, const std::string& work_dir,
                              const train::RunControl& control, dist::Runtime* rt) {
  const uint64_t seed = cfg.seed;
  const size_t pack = static_cast<size_t>(cfg.pretrain_data.pack_length);
  auto source = [&](int64_t step) {
    tasks::Rng rng(derive_seed(seed, "pretrain/batch", {static_cast<uint64_t>(step)}));
    std::vector<train::Example> batch;
    size_t doc_index = 0;  // alternates task families
    std::bernoulli_distribution general(w.general_fraction);
    auto next_document = [&]() {
      std::vector<int32_t> ids{w.codec.bos_id};
      std::vector<int32_t> body;
      if (w.general_document && general(rng)) {
        body = w.codec.encode(w.general_document(rng));
      } else {
        size_t t = doc_index++ % w.tasks.size();
        body = w.codec.encode(w.document(w.sample_train(t, rng), t, rng));
      }
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
  // The batches are a pure function of the step: model + optimizer + step is the whole state.
  train::ResumableRun run(control, {work_dir, stage, &metrics, &w.tokenizer, w.tokenizer_config, rt});
  return train::train_lm_resumable(m, source, tc, w.codec.pad_id, run);
}

namespace {

// Draws a task's prompts must make, at most, to find one that fits: a synthetic family whose
// prompts are all longer than the limit is an error rather than an endless loop.
constexpr int kMaxPromptDraws = 1000;

// The training problems of benchmark-file tasks whose prompts leave no room for max_new_tokens,
// counted once at start (verl's filter_overlong_prompts): the GRPO draws skip them.
std::unordered_set<std::string> overlong_file_prompts(const World& w, int64_t max_prompt_tokens) {
  std::unordered_set<std::string> overlong;
  if (max_prompt_tokens <= 0) return overlong;
  for (size_t t = 0; t < w.tasks.size(); ++t) {
    const auto* file = dynamic_cast<const tasks::DatasetTask*>(w.tasks[t].get());
    if (!file) continue;
    size_t trainable = 0, dropped = 0;
    for (const auto& p : file->problems()) {
      if (w.heldout_questions.count(p.question)) continue;
      ++trainable;
      if (static_cast<int64_t>(tasks::encode_prompt(w.codec, w.prompt(p, t)).size()) > max_prompt_tokens) {
        overlong.insert(p.question);
        ++dropped;
      }
    }
    check(dropped < trainable, "task " + w.tasks[t]->name(),
          "every one of its " + std::to_string(trainable) + " training prompts is longer than " +
              std::to_string(max_prompt_tokens) +
              " tokens (the model's context minus rl.max_new_tokens); lower rl.max_new_tokens or use a model with a "
              "longer context");
    if (dropped > 0)
      log_info("grpo: task " + w.tasks[t]->name() + ": " + std::to_string(dropped) + " of " + std::to_string(trainable) +
               " training prompts are longer than " + std::to_string(max_prompt_tokens) +
               " tokens (context minus rl.max_new_tokens) and are skipped");
  }
  return overlong;
}

}  // namespace

rl::GrpoEnvironment grpo_environment(const World& w, uint64_t seed, int64_t prompts_per_step,
                                     int64_t max_prompt_tokens) {
  rl::GrpoEnvironment env;
  env.eos_id = w.codec.eos_id;
  env.pad_id = w.codec.pad_id;
  env.decode = w.codec.decode;
  auto overlong = std::make_shared<const std::unordered_set<std::string>>(overlong_file_prompts(w, max_prompt_tokens));
  env.prompts = [&w, seed, prompts_per_step, max_prompt_tokens, overlong](int64_t step) {
    tasks::Rng rng(derive_seed(seed, "grpo/prompts", {static_cast<uint64_t>(step)}));
    std::vector<rollout::RolloutPrompt> out;
    for (int64_t i = 0; i < prompts_per_step; ++i) {
      size_t t = (step * prompts_per_step + i) % w.tasks.size();
      rollout::RolloutPrompt p;
      p.task = w.tasks[t].get();
      // A file's overlong problems are skipped without counting: the start-up count found some that fit,
      // however few. The bound is for synthetic families, whose prompts are measured as they are drawn.
      for (int too_long = 0;;) {
        check(too_long < kMaxPromptDraws, "task " + p.task->name(),
              std::to_string(kMaxPromptDraws) + " training prompts in a row were longer than " +
                  std::to_string(max_prompt_tokens) +
                  " tokens (the model's context minus rl.max_new_tokens); lower rl.max_new_tokens or the task's size");
        p.problem = w.sample_train(t, rng);
        if (overlong->count(p.problem.question)) continue;
        const tasks::Prompt prompt = w.prompt(p.problem, t);
        p.ids = tasks::encode_prompt(w.codec, prompt);
        p.response_prefix = prompt.response_prefix;
        if (max_prompt_tokens <= 0 || static_cast<int64_t>(p.ids.size()) <= max_prompt_tokens) break;
        ++too_long;
      }
      out.push_back(std::move(p));
    }
    return out;
  };
  return env;
}

eval::TaskEvalConfig task_eval_config(const JobConfig& cfg) {
  eval::TaskEvalConfig ec;
  ec.k = cfg.eval.k;
  ec.sampling.temperature = cfg.eval.temperature;
  ec.sampling.top_p = cfg.eval.top_p;
  ec.sampling.max_new_tokens = cfg.eval.max_new_tokens;
  ec.sampling.seed = derive_seed(cfg.seed, "eval");
  return ec;
}

json evaluate_all(model::CausalLMImpl& m, const World& w, const JobConfig& cfg, const std::string& label) {
  eval::TaskEvalConfig ec = task_eval_config(cfg);
  json out;
  for (size_t t = 0; t < w.tasks.size(); ++t) {
    const tasks::PromptStyle style = w.prompt_style(t);
    json per = {{"prompt_style", tasks::prompt_style_name(style)}};
    if (style == tasks::PromptStyle::kR1Chat) {
      ec.chat = &*w.chat;
      ec.mode = tasks::ResponseMode::kFree;
      per["free"] = task_eval_json(eval::evaluate_task(m, *w.tasks[t], w.heldout[t], w.codec, ec));
      std::fprintf(stderr, "[eval %s] %-12s pass@1 %.3f (R1 chat prompt) | think-rate %.2f | length %.1f\n",
                   label.c_str(), w.tasks[t]->name().c_str(), per["free"]["pass@1"].get<double>(),
                   per["free"]["think_rate"].get<double>(), per["free"]["response_length"].get<double>());
      out[w.tasks[t]->name()] = per;
      continue;
    }
    ec.chat = nullptr;
    for (auto [mode, name] : {std::pair{tasks::ResponseMode::kFree, "free"},
                              std::pair{tasks::ResponseMode::kForceThink, "forced_think"},
                              std::pair{tasks::ResponseMode::kForceDirect, "forced_direct"}}) {
      ec.mode = mode;
      auto r = eval::evaluate_task(m, *w.tasks[t], w.heldout[t], w.codec, ec);
      per[name] = task_eval_json(r);
    }
    std::fprintf(stderr, "[eval %s] %-12s pass@1 %.3f (think %.3f, direct %.3f) | think-rate %.2f | length %.1f\n",
                 label.c_str(), w.tasks[t]->name().c_str(), per["free"]["pass@1"].get<double>(),
                 per["forced_think"]["pass@1"].get<double>(), per["forced_direct"]["pass@1"].get<double>(),
                 per["free"]["think_rate"].get<double>(), per["free"]["response_length"].get<double>());
    out[w.tasks[t]->name()] = per;
  }
  return out;
}

namespace {

// A hash of the files that make up the model in `dir` (config, weights, tokenizer), in name order.
std::string model_dir_hash(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    if (f == "config.json" || f == "tokenizer.json" || f == "tokenizer_config.json" ||
        (f.size() > 12 && f.compare(f.size() - 12, 12, ".safetensors") == 0))
      files.push_back(f);
  }
  std::sort(files.begin(), files.end());
  uint64_t h = kFnvOffset;
  for (const auto& f : files) h = fnv1a64(read_file(dir + "/" + f), fnv1a64(f, h));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

}  // namespace

json cached_eval(const json& resolved, const std::string& name, const std::string& checkpoint_dir, MetricsWriter& metrics,
                 StageClock& clock, const std::function<json()>& evaluate) {
  const std::string run_dir = resolved.at("run_dir");
  const std::string path = run_dir + "/eval_" + name + ".json", key_path = run_dir + "/eval_" + name + ".key.json";
  json settings = json::object();
  for (const char* k : {"eval", "tasks", "task_options", "seed", "general", "data_dir"})
    if (resolved.contains(k)) settings[k] = resolved.at(k);
  const json key = {{"checkpoint", model_dir_hash(checkpoint_dir)}, {"settings", settings}};
  if (path_exists(path) && path_exists(key_path) && json::parse(read_file(key_path)) == key)
    return json::parse(read_file(path));
  auto t = std::chrono::steady_clock::now();
  json results = evaluate();
  write_file_atomic(path, results.dump(2) + "\n");
  write_file_atomic(key_path, key.dump(2) + "\n");  // last: results without a key are never reused
  metrics.write({{"stage", "eval"}, {"model", name}, {"results", results}});
  clock.record("eval_" + name, seconds_since(t));
  return results;
}

}  // namespace r1::pipeline
