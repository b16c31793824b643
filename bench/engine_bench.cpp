// Rollout and training throughput of the demo-sized model, and the KV-cache engine's speed as a
// ratio to full recomputation measured in the same run (issue 2).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "engine/generator.h"
#include "model/causal_lm.h"
#include "model/presets.h"
#include "rl/grpo_loss.h"
#include "train/token_batch.h"

namespace {

using namespace r1;

model::CausalLM demo_sized_model() {
  model::CausalLM m(model::tiny_qwen2(/*vocab_size=*/292));  // the demo's shape (model/presets.h)
  model::init_weights(*m, 1);
  return m;
}

// A GRPO-step-shaped rollout: 8 prompts x G=8 samples, 48 new tokens (no stop token, so every row
// runs the full length and both paths do identical work).
// Returns tokens per second over the timed iterations.
double run_rollout(benchmark::State& state, bool use_cache) {
  auto m = demo_sized_model();
  std::vector<std::vector<int32_t>> prompts(8);
  for (int i = 0; i < 8; ++i)
    for (int t = 0; t < 16; ++t) prompts[i].push_back((i * 31 + t * 7) % 292);
  engine::GenerationConfig cfg;
  cfg.sampling.max_new_tokens = 48;
  cfg.use_cache = use_cache;
  int64_t tokens = 0;
  double seconds = 0;
  for (auto _ : state) {
    engine::GenerationStats st;
    engine::generate(*m, prompts, 8, cfg, &st);
    tokens += st.generated_tokens;
    seconds += st.seconds;
  }
  state.counters["tokens_per_s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  // The counter above becomes a rate only when the benchmark reports; the ratio needs it now.
  return seconds > 0 ? tokens / seconds : 0.0;
}

double g_cached_tps = 0, g_full_tps = 0;

void BM_RolloutKVCache(benchmark::State& state) {
  g_cached_tps = run_rollout(state, true);
}
void BM_RolloutFullRecompute(benchmark::State& state) {
  g_full_tps = run_rollout(state, false);
}

// The KV-cache speed-up over full recomputation, both measured above in this run.
void BM_KVCacheSpeedupRatio(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(g_cached_tps);
  state.counters["cache_over_full"] = g_full_tps > 0 ? g_cached_tps / g_full_tps : 0.0;
}

// One pretraining step (forward, backward, AdamW) on 64 sequences of 40 tokens.
void BM_TrainStep(benchmark::State& state) {
  auto m = demo_sized_model();
  torch::optim::AdamW opt(m->parameters(), torch::optim::AdamWOptions(1e-3));
  auto ids = torch::randint(0, 292, {64, 41}, torch::kInt64);
  auto in = ids.narrow(1, 0, 40), tg = ids.narrow(1, 1, 40);
  int64_t tokens = 0;
  for (auto _ : state) {
    opt.zero_grad();
    auto logits = m->forward(in);
    auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, 292}), tg.reshape({-1}));
    loss.backward();
    opt.step();
    tokens += in.numel();
  }
  state.counters["train_tokens_per_s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_RolloutKVCache)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_RolloutFullRecompute)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_KVCacheSpeedupRatio)->Iterations(1);
BENCHMARK(BM_TrainStep)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
