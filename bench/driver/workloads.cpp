#include "workloads.h"

#include <torch/torch.h>

#include <chrono>
#include <random>
#include <thread>

#include "core/error.h"
#include "engine/generator.h"
#include "train/lm_trainer.h"

namespace r1::bench {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

std::vector<std::vector<int32_t>> bench_prompts(int64_t count, int64_t length, int64_t vocab) {
  std::vector<std::vector<int32_t>> prompts(count);
  for (int64_t i = 0; i < count; ++i)
    for (int64_t t = 0; t < length; ++t) prompts[i].push_back(static_cast<int32_t>((i * 31 + t * 7) % (vocab - 1)));
  return prompts;
}

RolloutResult run_rollout(model::CausalLMImpl& m, const RolloutSpec& s) {
  check(s.workers >= 1 && s.prompts % s.workers == 0, "rollout --workers",
        std::to_string(s.workers) + " must divide the " + std::to_string(s.prompts) + " prompts");
  const auto prompts = bench_prompts(s.prompts, s.prompt_len, m.config().vocab_size);
  engine::GenerationConfig cfg;
  cfg.sampling.temperature = 1.0;
  cfg.sampling.max_new_tokens = s.new_tokens;
  if (s.stop_token >= 0) cfg.stop_token_ids = {static_cast<int32_t>(s.stop_token)};

  int64_t tokens = 0, rows = 0, stopped = 0;
  // One rollout step: generate's engines split the prompts between `workers` threads (one ATen
  // thread each), all at once.
  auto step = [&](uint64_t seed) {
    auto c = cfg;
    c.sampling.seed = seed;
    c.workers = s.workers;
    for (const auto& row : engine::generate(m, prompts, s.group, c)) {
      tokens += row.tokens.size();
      stopped += row.stopped;
      ++rows;
    }
  };
  step(0);  // warm-up: allocator, BLAS threads
  tokens = rows = stopped = 0;
  RolloutResult r;
  auto t0 = std::chrono::steady_clock::now();
  double el = 0;
  while (r.reps == 0 || el < s.min_seconds) {
    step(++r.reps);
    el = seconds_since(t0);
  }
  r.tokens_per_s = tokens / el;
  r.mean_length = static_cast<double>(tokens) / rows;
  r.stopped_fraction = static_cast<double>(stopped) / rows;
  return r;
}

TrainResult run_train(model::CausalLMImpl& m, const TrainSpec& s) {
  const int64_t V = m.config().vocab_size;
  // Uniform random ids, a fixed stream per step: both sides see the same kind of data.
  train::ExampleSource source = [&](int64_t step) {
    std::mt19937_64 rng(step);
    std::vector<train::Example> ex(s.batch);
    for (auto& e : ex)
      for (int64_t t = 0; t <= s.seq; ++t) e.ids.push_back(static_cast<int32_t>(rng() % V));
    return ex;
  };
  train::LmTrainConfig cfg;
  cfg.steps = 1;  // a warm-up step: allocations and the first-call costs
  cfg.batch_size = s.batch;
  cfg.lr = 1e-3;
  cfg.warmup_steps = 0;
  cfg.log_every = 1 << 30;
  train::train_lm(m, source, cfg, 0, nullptr, "bench-train-warmup");
  cfg.steps = s.steps;
  auto t0 = std::chrono::steady_clock::now();
  train::train_lm(m, source, cfg, 0, nullptr, "bench-train");
  const double el = seconds_since(t0);
  return {static_cast<double>(s.batch * s.seq * s.steps) / el, el / s.steps};
}

DecodeResult run_decode(model::CausalLMImpl& m, int64_t prompt_len, int64_t new_tokens) {
  check(new_tokens >= 2, "decode --new_tokens", "must be at least 2 (one step is subtracted as the prefill)");
  const auto prompt = bench_prompts(1, prompt_len, m.config().vocab_size);
  engine::GenerationConfig cfg;
  cfg.sampling.temperature = 0.0;
  auto timed = [&](int64_t n, std::vector<int32_t>* tokens) {
    cfg.sampling.max_new_tokens = n;
    auto t0 = std::chrono::steady_clock::now();
    auto out = engine::generate(m, prompt, 1, cfg);
    const double el = seconds_since(t0);
    if (tokens) *tokens = out[0].tokens;
    return el;
  };
  timed(2, nullptr);  // warm-up: first-touch of the weights, allocator
  const double first = timed(1, nullptr);
  DecodeResult r;
  const double all = timed(new_tokens, &r.tokens);
  r.tokens_per_s = (new_tokens - 1) / std::max(all - first, 1e-9);
  return r;
}

}  // namespace r1::bench
