#include "pipeline/r1zero.h"

#include <cstdio>
#include <memory>

#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "dist/runtime.h"
#include "io/model_dir.h"
#include "pipeline/stages.h"
#include "pipeline/world.h"
#include "report/html_report.h"

namespace r1::pipeline {
namespace {

using json = nlohmann::json;

// GRPO from `m`, resumable from RUN_DIR/work/grpo.
void grpo(model::CausalLMImpl& m, const World& w, const R1ZeroConfig& cfg, MetricsWriter& metrics, dist::Runtime& rt) {
  rl::GrpoConfig gc = cfg.rl;
  if (gc.seed == 0) gc.seed = cfg.seed;
  rl::GrpoRun run;
  run.checkpoint_dir = cfg.run_dir + "/work/grpo";
  run.control = run_control(cfg, cfg.checkpoint_every_rl);
  run.tokenizer = &w.tokenizer;
  run.tokenizer_config = w.tokenizer_config;
  run.runtime = &rt;
  rl::train_grpo(m, grpo_environment(w, gc.seed, gc.prompts_per_step,
                                     m.config().max_position_embeddings - gc.max_new_tokens), gc, &metrics, {}, run);
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

std::string base_dir(const JobConfig& cfg) { return cfg.run_dir + "/checkpoints/base"; }
std::string final_dir(const JobConfig& cfg) { return cfg.run_dir + "/checkpoints/final"; }

// A finished stage's checkpoint is reused; otherwise the stage runs (continuing from its step
// checkpoints under work/pretrain) and saves one.
// The metrics file of the run directory on rank 0; a writer that writes nothing on the other ranks.
std::unique_ptr<MetricsWriter> job_metrics(const JobConfig& cfg, const dist::Runtime& rt) {
  return rt.is_main() ? std::make_unique<MetricsWriter>(cfg.run_dir + "/metrics.jsonl") : std::make_unique<MetricsWriter>();
}

model::CausalLM pretrained_base(const R1ZeroConfig& cfg, const World& w, MetricsWriter& metrics, StageClock& clock,
                                dist::Runtime& rt) {
  if (path_exists(base_dir(cfg) + "/config.json")) return load_checkpoint_model(base_dir(cfg));
  auto t = std::chrono::steady_clock::now();
  auto m = build_model(cfg.model, "model", cfg.seed, w);
  log_info("model: " + m->config().arch + ", " + std::to_string(model::parameter_count(*m)) + " parameters, vocab " +
           std::to_string(w.tokenizer.vocab_size()));
  auto result = pretrain(*m, w, cfg, cfg.pretrain, metrics, "pretrain", cfg.run_dir + "/work/pretrain",
                         run_control(cfg, cfg.checkpoint_every), &rt);
  if (!rt.is_main()) return m;
  io::save_model_dir(base_dir(cfg), *m, &w.tokenizer, w.tokenizer_config);
  clock.record("pretrain", seconds_since(t));
  log_info("pretraining: final loss " + std::to_string(result.final_loss) + ", " +
           std::to_string(static_cast<int64_t>(result.tokens / std::max(1e-9, result.seconds))) + " tokens/s");
  return m;
}

// GRPO from `m` (resumable in RUN_DIR/work/grpo), then checkpoints/final with the world's tokenizer
// and template; timed as stage grpo.
void grpo_to_final(model::CausalLMImpl& m, const World& w, const R1ZeroConfig& cfg, MetricsWriter& metrics,
                   StageClock& clock, dist::Runtime& rt) {
  auto t = std::chrono::steady_clock::now();
  grpo(m, w, cfg, metrics, rt);
  if (!rt.is_main()) return;
  io::save_model_dir(final_dir(cfg), m, &w.tokenizer, w.tokenizer_config);
  clock.record("grpo", seconds_since(t));
}

json evaluate_final(model::CausalLMImpl& m, const World& w, const R1ZeroConfig& cfg, MetricsWriter& metrics,
                    StageClock& clock) {
  return cached_eval(schema::to_json(cfg), "final", final_dir(cfg), metrics, clock,
                     [&] { return evaluate_all(m, w, cfg, "final"); });
}

}  // namespace

json run_r1zero(R1ZeroConfig cfg, dist::Runtime& rt) {
  auto t_all = std::chrono::steady_clock::now();
  resolve_data_dir(cfg);
  prepare_run_dir(cfg, rt.is_main());
  const std::string& run_dir = cfg.run_dir;
  auto metrics_file = job_metrics(cfg, rt);
  MetricsWriter& metrics = *metrics_file;
  StageClock clock(run_dir);

  World w = build_world(cfg);
  auto m = pretrained_base(cfg, w, metrics, clock, rt);
  // Evaluation, the report and the summary are rank 0's; the other ranks wait for it to finish.
  json base = rt.is_main() ? cached_eval(schema::to_json(cfg), "base", base_dir(cfg), metrics, clock,
                                         [&] { return evaluate_all(*m, w, cfg, "base"); })
                           : json();
  rt.barrier("rank 0's evaluation of the base model");
  if (path_exists(final_dir(cfg) + "/config.json"))
    m = load_checkpoint_model(final_dir(cfg));
  else
    grpo_to_final(*m, w, cfg, metrics, clock, rt);
  if (!rt.is_main()) return json();
  json final_eval = evaluate_final(*m, w, cfg, metrics, clock);

  json wall = clock.seconds;
  wall["this_run_total"] = seconds_since(t_all);
  json summary = {{"base", base}, {"final", final_eval}, {"wall_seconds", wall},
                  {"parameters", model::parameter_count(*m)}, {"model", cfg.model.arch}};
  write_file_atomic(run_dir + "/summary.json", summary.dump(2) + "\n");
  report::write_r1zero_report(run_dir);
  print_table(base, final_eval);
  std::printf("run directory: %s (report.html, summary.json, metrics.jsonl, checkpoints/); wall %.0f s\n",
              run_dir.c_str(), wall["this_run_total"].get<double>());
  return summary;
}

void run_pretrain_stage(R1ZeroConfig cfg, dist::Runtime& rt) {
  resolve_data_dir(cfg);
  prepare_run_dir(cfg, rt.is_main());
  auto metrics = job_metrics(cfg, rt);
  StageClock clock(cfg.run_dir);
  World w = build_world(cfg);
  // prepare_run_dir has checked that a finished base belongs to this configuration.
  const bool done = path_exists(base_dir(cfg) + "/config.json");
  pretrained_base(cfg, w, *metrics, clock, rt);
  if (rt.is_main())
    std::printf("base checkpoint%s: %s\n", done ? " (already complete)" : "", base_dir(cfg).c_str());
}

void run_grpo_stage(R1ZeroConfig cfg, const std::string& init_dir, dist::Runtime& rt) {
  resolve_data_dir(cfg);
  // Tasks first: an unknown task or a missing benchmark file fails before a checkpoint loads.
  World w = build_tasks(cfg);
  prepare_run_dir(cfg, rt.is_main());
  auto metrics_file = job_metrics(cfg, rt);
  MetricsWriter& metrics = *metrics_file;
  StageClock clock(cfg.run_dir);
  // The policy keeps the text format it was trained with: the checkpoint's tokenizer, special ids
  // and chat template (a tiny-world checkpoint holds the run's BPE tokenizer and no template).
  const std::string dir = init_dir.empty() ? base_dir(cfg) : init_dir;
  auto loaded = io::load_model_dir(dir);
  use_checkpoint_text(w, loaded, dir);
  for (size_t t = 0; t < w.tasks.size() && rt.is_main(); ++t)
    log_info("task " + w.tasks[t]->name() + ": " + tasks::prompt_style_name(w.prompt_style(t)) + " prompts, " +
             std::to_string(w.heldout[t].size()) + " held-out problems");
  auto m = loaded.model;
  grpo_to_final(*m, w, cfg, metrics, clock, rt);
  if (!rt.is_main()) return;
  json final_eval = evaluate_final(*m, w, cfg, metrics, clock);
  std::printf("RL checkpoint: %s\n%s\n", final_dir(cfg).c_str(), final_eval.dump(2).c_str());
}

}  // namespace r1::pipeline
