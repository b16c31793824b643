#include "pipeline/stages.h"

#include <cstdio>

#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "dist/threads.h"
#include "io/model_dir.h"
#include "train/training_checkpoint.h"

namespace r1::pipeline {

using json = nlohmann::json;

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

void prepare_run_dir(const JobConfig& cfg, const json& resolved) {
  const std::string config_path = cfg.run_dir + "/config.json";
  if (cfg.resume == ResumeMode::kNever && path_exists(config_path))
    throw UsageError(cfg.run_dir, "already holds a run (config.json) and resume is never: choose a fresh --run_dir");
  make_dirs(cfg.run_dir);
  write_file_atomic(config_path, resolved.dump(2) + "\n");
  log_info(dist::apply_thread_settings(cfg.threads));
}

model::CausalLM load_checkpoint_model(const std::string& dir) {
  auto loaded = io::load_model_dir(dir);
  log_info("loaded " + dir);
  return loaded.model;
}

train::LmTrainResult pretrain(model::CausalLMImpl& m, const World& w, const JobConfig& cfg, const train::LmTrainConfig& tc,
                              MetricsWriter& metrics, const std::string& stage, const Resume& resume) {
  const uint64_t seed = cfg.seed;
  const size_t pack = static_cast<size_t>(cfg.pretrain_data.pack_length);
  auto source = [&](int64_t step) {
    tasks::Rng rng(seed * 1000003 + step);
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
  if (resume.dir.empty()) return train::train_lm(m, source, tc, w.codec.pad_id, &metrics, stage);
  // The batches are a pure function of the step: model + optimizer + step is the whole state.
  train::TrainingCheckpoints checkpoints(resume.dir, 1);
  auto opt = train::make_adamw(m, tc);
  int64_t start = 0;
  if (auto dir = checkpoints.latest(); !dir.empty()) {
    auto st = checkpoints.restore(dir, m, *opt);
    check(st.at("total_steps").get<int64_t>() == tc.steps, dir + "/trainer_state.json",
          "total steps differ from this run's configuration");
    start = st.at("step");
    log_info(stage + ": resuming from " + dir + " at step " + std::to_string(start));
  }
  auto after = [&](int64_t done) {
    if (done == tc.steps || (resume.every > 0 && done % resume.every == 0))
      checkpoints.save(done, m, *opt, {{"step", done}, {"total_steps", tc.steps}, {"stage", stage}});
  };
  return train::train_lm_from(m, source, tc, w.codec.pad_id, &metrics, stage, *opt, start, tc.steps, after);
}

rl::GrpoEnvironment grpo_environment(const World& w, uint64_t seed, int64_t prompts_per_step) {
  rl::GrpoEnvironment env;
  env.eos_id = w.codec.eos_id;
  env.pad_id = w.codec.pad_id;
  env.decode = w.codec.decode;
  env.prompts = [&w, seed, prompts_per_step](int64_t step) {
    tasks::Rng rng(seed * 7777 + step);
    std::vector<rl::RolloutPrompt> out;
    for (int64_t i = 0; i < prompts_per_step; ++i) {
      size_t t = (step * prompts_per_step + i) % w.tasks.size();
      rl::RolloutPrompt p;
      p.problem = w.sample_train(t, rng);
      p.task = w.tasks[t].get();
      const eval::EvalPrompt ep = w.prompt(p.problem, t);
      p.ids = eval::encode_eval_prompt(w.codec, ep);
      p.response_prefix = ep.response_prefix;
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
  ec.sampling.seed = cfg.seed + 4242;
  return ec;
}

json evaluate_all(model::CausalLMImpl& m, const World& w, const JobConfig& cfg, const std::string& label) {
  eval::TaskEvalConfig ec = task_eval_config(cfg);
  json out;
  for (size_t t = 0; t < w.tasks.size(); ++t) {
    const eval::PromptStyle style = w.prompt_style(t);
    json per = {{"prompt_style", eval::prompt_style_name(style)}};
    if (style == eval::PromptStyle::kR1Chat) {
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

json cached_eval(const std::string& run_dir, const std::string& name, MetricsWriter& metrics, StageClock& clock,
                 const std::function<json()>& evaluate) {
  const std::string path = run_dir + "/eval_" + name + ".json";
  if (path_exists(path)) return json::parse(read_file(path));
  auto t = std::chrono::steady_clock::now();
  json results = evaluate();
  write_file_atomic(path, results.dump(2) + "\n");
  metrics.write({{"stage", "eval"}, {"model", name}, {"results", results}});
  clock.record("eval_" + name, seconds_since(t));
  return results;
}

}  // namespace r1::pipeline
