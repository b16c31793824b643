// Share of `r1 eval` wall time spent outside generation (prompt building, scoring with the
// verifier, voting, JSONL writes) on a demo-sized random model, per benchmark kind: a synthetic
// family (tag parsing only) and GSM8K (Math-Verify-style scoring of every sample, cons@k clustering).
// A random model emits arbitrary text, so the verifier sees long garbage: a worst-ish case for it.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "eval/benchmark.h"
#include "eval/benchmark_runner.h"
#include "model/causal_lm.h"
#include "model/presets.h"

namespace {

using namespace r1;

model::CausalLM demo_sized_model() {
  model::CausalLM m(model::tiny_qwen2(/*vocab_size=*/256));  // the demo's shape (model/presets.h)
  model::init_weights(*m, 1);
  return m;
}

// Bytes as tokens: every id decodes, so the scorer sees whatever the model samples.
text::TextCodec byte_codec() {
  text::TextCodec codec;
  codec.encode = [](const std::string& s) {
    std::vector<int32_t> ids;
    for (unsigned char ch : s) ids.push_back(ch);
    return ids;
  };
  codec.decode = [](const std::vector<int32_t>& ids) {
    std::string s;
    for (int32_t id : ids) s += static_cast<char>(id);
    return s;
  };
  codec.eos_id = -1;  // no stop: every sample runs max_new_tokens
  return codec;
}

void run_eval(benchmark::State& state, const std::string& bench_name) {
  auto m = demo_sized_model();
  eval::BenchmarkOptions bo;
  bo.data_dir = std::string(R1_SOURCE_DATA_DIR);
  bo.limit = 8;
  auto bench = eval::make_benchmark(bench_name, bo);
  eval::EvalRunConfig cfg;
  cfg.k = 4;
  cfg.sampling.max_new_tokens = 64;
  cfg.progress = false;
  auto codec = byte_codec();
  double gen = 0, total = 0;
  for (auto _ : state) {
    eval::BenchTimings t;
    benchmark::DoNotOptimize(eval::run_benchmark(*m, bench, codec, nullptr, cfg, &t));
    gen += t.generation_seconds;
    total += t.total_seconds;
  }
  state.counters["outside_generation_share"] = total > 0 ? (total - gen) / total : 0.0;
  state.counters["outside_ms_per_sample"] =
      1e3 * (total - gen) / (static_cast<double>(state.iterations()) * bench.problems.size() * cfg.k);
  state.counters["generation_ms_per_sample"] =
      1e3 * gen / (static_cast<double>(state.iterations()) * bench.problems.size() * cfg.k);
}

void BM_EvalOutsideGeneration_RunningSum(benchmark::State& state) { run_eval(state, "running_sum"); }
void BM_EvalOutsideGeneration_Gsm8k(benchmark::State& state) { run_eval(state, "gsm8k"); }
BENCHMARK(BM_EvalOutsideGeneration_RunningSum)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_EvalOutsideGeneration_Gsm8k)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace
