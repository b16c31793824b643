// r1 eval: benchmark a checkpoint the way the R1 paper measures (k samples at T=0.6, top-p 0.95;
// pass@1, pass@k, cons@k), resumable (eval/benchmark_runner.h).
#include <chrono>
#include <cstdio>
#include <optional>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/files.h"
#include "eval/benchmark.h"
#include "eval/benchmark_runner.h"
#include "engine/sampling_schema.h"
#include "io/inference_load.h"
#include "pipeline/world.h"
#include "tasks/datasets/benchmarks.h"
#include "tasks/prompt_template.h"
#include "tasks/task_options.h"
#include "text/chat_template.h"
#include "text/text_codec.h"

namespace {

using nlohmann::json;

void print_table(const json& benches, int64_t k) {
  auto ks = r1::eval::pass_k_values(k);
  std::printf("\n%-14s %8s %4s %8s", "benchmark", "problems", "k", "pass@1");
  for (auto kk : ks)
    if (kk > 1) std::printf(" %8s", ("pass@" + std::to_string(kk)).c_str());
  std::printf(" %8s %8s %6s %6s %8s %8s\n", "cons@k", "tokens", "think", "noans", "gen_s", "other_s");
  for (auto it = benches.begin(); it != benches.end(); ++it) {
    const auto& s = it.value();
    std::printf("%-14s %8lld %4lld %8.4f", it.key().c_str(), s["problems"].get<long long>(), s["k"].get<long long>(),
                s["pass@1"].get<double>());
    for (auto kk : ks)
      if (kk > 1) std::printf(" %8.4f", s["pass@k"][std::to_string(kk)].get<double>());
    std::printf(" %8.4f %8.1f %6.3f %6.3f %8.2f %8.2f\n", s["cons@k"].get<double>(),
                s["response_tokens_mean"].get<double>(), s["think_rate"].get<double>(),
                s["no_answer_rate"].get<double>(), s["seconds"]["generation"].get<double>(),
                s["seconds"]["outside_generation"].get<double>());
  }
}

// Every name --bench takes: the benchmark files and the synthetic families.
std::vector<std::string> benchmark_names() {
  std::vector<std::string> names = r1::tasks::dataset_benchmark_names();
  for (const auto& n : r1::tasks::synthetic_task_names()) names.push_back(n);
  return names;
}

struct EvalCommand {
  std::string model;
  std::vector<std::string> bench;
  std::string heldout_of;
  int64_t k = 16;
  r1::engine::SamplingParams sampling{0.6, 0.95, 0, 32768, 0};  // the R1 paper's evaluation settings
  int64_t limit = 0;
  std::string out;
  std::string data_dir;
  std::string prompt = "auto";
  std::string match = "{}";
  bool quiet = false;
  r1::io::InferenceLoad load;
};

template <class V>
void visit_fields(V& v, EvalCommand& c) {
  using namespace r1::schema;
  v.field("model", c.model, "checkpoint directory (config.json, safetensors, tokenizer.json) or a .gguf file", kRequired);
  v.field("bench", c.bench, "benchmark files and synthetic families to evaluate on (or --heldout_of)",
          one_of(benchmark_names()));
  v.field("heldout_of", c.heldout_of,
          "an R1-Zero run's config.json (r1 demo / grpo): evaluate on that run's held-out problems instead of --bench "
          "(its tasks, task_options, seed and eval.problems: what it evaluated on and never trained on)");
  v.require(c.bench.empty() != c.heldout_of.empty(), "bench", "give either --bench or --heldout_of (one of them)");
  v.field("k", c.k, "samples per problem", at_least(1));
  visit_fields(v, c.sampling);
  v.field("limit", c.limit, "only the first N problems of each benchmark (synthetic: N problems); 0 = all",
          at_least(0));
  v.field("out", c.out, "output directory (per-sample JSONL, summary.json; a rerun resumes); \"\" = no files",
          kNotResult);
  v.field("data_dir", c.data_dir,
          "folder of the benchmark files; \"\" = $R1_DATA_DIR, the installed data, the source tree's data/", kNotResult);
  v.field("prompt", c.prompt, "auto: the R1 chat template when the model has one, else R1-Zero; r1_zero: always R1-Zero",
          one_of({"auto", "r1_zero"}));
  v.field("match", c.match,
          "verifier settings per benchmark, JSON: {\"math500\": {\"precision\": 4}, \"mmlu\": {\"language\": \"fr\"}} "
          "(targets, language, precision, choices; rewards/math/match_settings.h)");
  v.field("quiet", c.quiet, "no progress line", kNotResult);
  visit_fields(v, c.load);
}

const r1::cli::CommandSpec kSpec{
    "eval", "--model DIR (--bench NAMES | --heldout_of RUN/config.json) [--key value ...]",
    "Evaluates a checkpoint on math benchmarks the way the R1 paper measures: k samples per problem,\n"
    "pass@1 (mean over samples), unbiased pass@k and cons@k (majority vote over equivalent answers).\n"
    "Writes OUT/<bench>.jsonl (one line per sample; a rerun resumes) and OUT/summary.json.",
    {}};

int run(EvalCommand& opt) {
  r1::eval::EvalRunConfig cfg;
  cfg.k = opt.k;
  cfg.sampling = opt.sampling;
  cfg.progress = !opt.quiet;
  cfg.out_dir = opt.out;
  const std::string& model_dir = opt.model;
  const std::string& out_dir = opt.out;
  const std::string& prompt = opt.prompt;
  r1::eval::BenchmarkOptions bopt;
  bopt.data_dir = opt.data_dir;
  bopt.limit = opt.limit;
  bopt.match = r1::eval::parse_match_option(opt.match, opt.bench);  // keys of --bench only
  std::vector<r1::eval::Benchmark> suite;
  // Before loading the model, so a bad name or config fails fast.
  if (!opt.heldout_of.empty()) suite = r1::pipeline::heldout_benchmarks(r1::pipeline::read_r1zero_config(opt.heldout_of));
  for (auto& b : suite)
    if (opt.limit > 0 && static_cast<int64_t>(b.problems.size()) > opt.limit) b.problems.resize(opt.limit);
  for (const auto& n : opt.bench) suite.push_back(r1::eval::make_benchmark(n, bopt));

  auto loaded = r1::io::load_for_inference(model_dir, opt.load);
  r1::check(loaded.tokenizer.has_value(), model_dir, "has no tokenizer.json");
  const auto& mc = loaded.model->config();
  const r1::text::TextCodec codec = r1::text::make_codec(*loaded.tokenizer, mc.bos_token_id, mc.eos_token_id);
  std::optional<r1::text::ChatTemplate> tmpl;
  if (prompt == "auto")
    tmpl = r1::tasks::model_chat_template(loaded.tokenizer_config, r1::io::tokenizer_config_where(model_dir));

  // What the samples depend on; a rerun into the same --out must agree (top_k and match only when
  // set, so out dirs written before they existed still resume).
  json settings = {{"model", model_dir},
                   {"k", cfg.k},
                   {"temperature", cfg.sampling.temperature},
                   {"top_p", cfg.sampling.top_p},
                   {"max_new_tokens", cfg.sampling.max_new_tokens},
                   {"seed", cfg.sampling.seed},
                   {"prompt", prompt}};
  if (cfg.sampling.top_k > 0) settings["top_k"] = cfg.sampling.top_k;
  if (opt.load.quant != r1::io::WeightQuant::none) settings["quant"] = r1::schema::detail::value_to_json(opt.load.quant);
  if (!bopt.match.empty()) settings["match"] = bopt.match;
  if (!opt.heldout_of.empty()) settings["heldout_of"] = opt.heldout_of;
  if (!out_dir.empty()) r1::eval::check_run_settings(out_dir, settings);
  json summary = settings;
  summary.erase("prompt");
  summary.erase("match");
  summary["benchmarks"] = json::object();
  double gen = 0, total = 0;
  for (const auto& b : suite) {
    r1::eval::BenchTimings t;
    summary["benchmarks"][b.name] = r1::eval::run_benchmark(*loaded.model, b, codec, tmpl ? &*tmpl : nullptr, cfg, &t);
    gen += t.generation_seconds;
    total += t.total_seconds;
    if (!out_dir.empty()) r1::write_file_atomic(out_dir + "/summary.json", summary.dump(2) + "\n");
  }
  summary["seconds"] = {{"generation", gen}, {"outside_generation", total - gen}, {"total", total}};
  if (!out_dir.empty()) r1::write_file_atomic(out_dir + "/summary.json", summary.dump(2) + "\n");
  print_table(summary["benchmarks"], cfg.k);
  std::printf("wall: %.2f s generating, %.2f s outside generation (%.1f%%)\n", gen, total - gen,
              total > 0 ? 100.0 * (total - gen) / total : 0.0);
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "benchmark a checkpoint: pass@1, pass@k, cons@k over k samples (R1 protocol)", run);

}  // namespace
