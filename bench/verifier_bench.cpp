// Math verifier throughput (answers/s) on the shared cases, with full extraction (every
// candidate of every rule, extract_answers) as the baseline measured in the same run. verify()
// runs the rules one priority at a time and stops at the first answer that parses, so on boxed
// responses it costs less than the full extraction; the rest of its time is parsing and GiNaC.
//   build-*/bench/r1_bench --benchmark_filter=Verifier
#include <benchmark/benchmark.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "rewards/math/verify.h"

namespace m = r1::rewards::math;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;  // (gold, response)

std::vector<nlohmann::json> read_jsonl(const std::string& name) {
  std::ifstream in(std::string(R1_SOURCE_DATA_DIR) + "/" + name);
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

// 800 Qwen2.5-Math CoT responses with their gold answers (typical MATH RL rollouts).
const Pairs& qwen_pairs() {
  static const Pairs pairs = [] {
    Pairs p;
    for (const auto& r : read_jsonl("qwen25math_math_cot_100_samples.jsonl"))
      for (const auto& resp : r.at("response")) p.emplace_back(r.at("gt"), resp);
    return p;
  }();
  return pairs;
}

// 40 long R1-Distill responses (<think> ... </think>, 2-25 KB each).
const Pairs& r1_pairs() {
  static const Pairs pairs = [] {
    Pairs p;
    for (const auto& r : read_jsonl("r1_distill_math_outputs_thought_anchors.jsonl"))
      p.emplace_back(r.at("gt_answer"), r.at("response"));
    return p;
  }();
  return pairs;
}

// Math-Verify's 190 regression pairs: sets, intervals, relations, matrices, symbolic forms.
const Pairs& math_verify_pairs() {
  static const Pairs pairs = [] {
    Pairs p;
    for (const auto& r : read_jsonl("math_verify_cases.jsonl")) p.emplace_back(r.at("gold"), r.at("pred"));
    return p;
  }();
  return pairs;
}

void run_verify(benchmark::State& state, const Pairs& pairs) {
  if (pairs.empty()) {
    state.SkipWithError("shared data not found");
    return;
  }
  size_t correct = 0;
  for (auto _ : state)
    for (const auto& [gold, pred] : pairs) correct += m::verify(gold, pred).correct;
  benchmark::DoNotOptimize(correct);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(pairs.size()));
  state.counters["answers/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * pairs.size()), benchmark::Counter::kIsRate);
}

void run_extract(benchmark::State& state, const Pairs& pairs) {
  if (pairs.empty()) {
    state.SkipWithError("shared data not found");
    return;
  }
  size_t n = 0;
  for (auto _ : state)
    for (const auto& p : pairs) n += m::extract_answers(p.second).size();
  benchmark::DoNotOptimize(n);
  state.counters["answers/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * pairs.size()), benchmark::Counter::kIsRate);
}

void BM_VerifierExtractOnly_Qwen(benchmark::State& s) { run_extract(s, qwen_pairs()); }
void BM_VerifierVerify_Qwen(benchmark::State& s) { run_verify(s, qwen_pairs()); }
void BM_VerifierExtractOnly_R1Distill(benchmark::State& s) { run_extract(s, r1_pairs()); }
void BM_VerifierVerify_R1Distill(benchmark::State& s) { run_verify(s, r1_pairs()); }
void BM_VerifierVerify_MathVerifyCases(benchmark::State& s) { run_verify(s, math_verify_pairs()); }

}  // namespace

BENCHMARK(BM_VerifierExtractOnly_Qwen)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifierVerify_Qwen)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifierExtractOnly_R1Distill)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifierVerify_R1Distill)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifierVerify_MathVerifyCases)->Unit(benchmark::kMillisecond);
