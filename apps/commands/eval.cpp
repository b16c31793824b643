// r1 eval: benchmark a checkpoint the way the R1 paper measures (k samples at T=0.6, top-p 0.95;
// pass@1, pass@k, cons@k), resumable (eval/benchmark_runner.h).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <optional>

#include "commands/commands.h"
#include "core/error.h"
#include "core/files.h"
#include "eval/benchmark.h"
#include "eval/benchmark_runner.h"
#include "eval/text_codec.h"
#include "io/model_dir.h"
#include "text/chat_template.h"

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

int run(int argc, char** argv) {
  CLI::App app{"Evaluates a checkpoint on math benchmarks the way the R1 paper measures: k samples per problem,\n"
               "pass@1 (mean over samples), unbiased pass@k and cons@k (majority vote over equivalent answers).\n"
               "Writes OUT/<bench>.jsonl (one line per sample; a rerun resumes) and OUT/summary.json.",
               "r1 eval"};
  std::string model_dir, benches, out_dir, data_dir, prompt = "auto", match = "{}";
  r1::eval::EvalRunConfig cfg;
  cfg.sampling.max_new_tokens = 32768;
  int64_t limit = 0;
  bool quiet = false;
  app.add_option("--model", model_dir, "checkpoint directory (config.json, safetensors, tokenizer.json)")->required();
  app.add_option("--bench", benches,
                 "benchmarks, comma-separated: gsm8k, math500, aime24, aime25, amc23, minerva, olympiadbench, "
                 "countdown_cd3, gsm8k_train, mcq_sample, mmlu, gpqa_diamond, running_sum, countdown")
      ->required();
  app.add_option("--k", cfg.k, "samples per problem")->check(CLI::PositiveNumber);
  app.add_option("--temperature", cfg.sampling.temperature, "0 = greedy");
  app.add_option("--top-p", cfg.sampling.top_p);
  app.add_option("--max-new-tokens", cfg.sampling.max_new_tokens)->check(CLI::PositiveNumber);
  app.add_option("--limit", limit, "only the first N problems of each benchmark (synthetic: N problems)");
  app.add_option("--out", out_dir, "output directory (per-sample JSONL, summary.json); default: no files");
  app.add_option("--seed", cfg.sampling.seed);
  app.add_option("--data-dir", data_dir, "folder of the benchmark files (default: $R1_DATA_DIR, the installed data, the source tree's data/)");
  app.add_option("--prompt", prompt, "auto (R1 chat template when the model has one, else R1-Zero) or r1_zero")
      ->check(CLI::IsMember({"auto", "r1_zero"}));
  app.add_option("--match", match,
                 "verifier settings per benchmark, JSON: {\"math500\": {\"precision\": 4}, \"mmlu\": {\"language\": \"fr\"}} "
                 "(targets, language, precision, choices; rewards/math/match_settings.h)");
  app.add_flag("--quiet", quiet, "no progress line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  cfg.progress = !quiet;
  cfg.out_dir = out_dir;
  r1::check(cfg.sampling.top_p > 0 && cfg.sampling.top_p <= 1, "--top-p", "must be in (0, 1]");
  auto names = r1::eval::parse_benchmark_list(benches);
  r1::eval::BenchmarkOptions bopt;
  bopt.data_dir = data_dir;
  bopt.limit = limit;
  bopt.match = r1::eval::parse_match_option(match, names);
  std::vector<r1::eval::Benchmark> suite;
  for (const auto& n : names) suite.push_back(r1::eval::make_benchmark(n, bopt));  // fail before loading the model

  auto loaded = r1::io::load_model_dir(model_dir);
  r1::check(loaded.tokenizer.has_value(), model_dir, "has no tokenizer.json");
  const r1::eval::TextCodec codec = r1::eval::checkpoint_codec(*loaded.tokenizer, loaded.model->config());
  std::optional<r1::text::ChatTemplate> tmpl;
  if (prompt == "auto")
    tmpl = r1::eval::model_chat_template(loaded.tokenizer_config, model_dir + "/tokenizer_config.json");

  if (!out_dir.empty())
    r1::eval::check_run_settings(out_dir, {{"model", model_dir},
                                           {"k", cfg.k},
                                           {"temperature", cfg.sampling.temperature},
                                           {"top_p", cfg.sampling.top_p},
                                           {"max_new_tokens", cfg.sampling.max_new_tokens},
                                           {"seed", cfg.sampling.seed},
                                           {"prompt", prompt},
                                           {"match", bopt.match}});
  json summary = {{"model", model_dir},
                  {"k", cfg.k},
                  {"temperature", cfg.sampling.temperature},
                  {"top_p", cfg.sampling.top_p},
                  {"max_new_tokens", cfg.sampling.max_new_tokens},
                  {"seed", cfg.sampling.seed},
                  {"benchmarks", json::object()}};
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

r1::cli::RegisterCommand reg("eval", "benchmark a checkpoint: pass@1, pass@k, cons@k over k samples (R1 protocol)", run);

}  // namespace
