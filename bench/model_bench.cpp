// DeepSeek-V3 building blocks on CPU: decode throughput and KV-cache bytes per token of MLA
// (absorbed and naive paths over the same latent cache) against a GQA model with the same
// parameter count, and a MoE layer's throughput against a dense SwiGLU of equal active FLOPs.
//   build-*/bench/r1_bench --benchmark_filter='Decode|MoE'
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "model/causal_lm.h"
#include "model/mla.h"
#include "model/moe.h"
#include "model/presets.h"

using namespace r1::model;

namespace {

constexpr int64_t kBatch = 4, kPrompt = 256, kDecode = 32;

// All layers dense so the comparison isolates attention; 8 heads, latent 64 + rope 16 per token.
ModelConfig mla_bench_config() {
  auto c = tiny_deepseek_v3(512);
  c.hidden_size = 256;
  c.intermediate_size = 512;
  c.num_hidden_layers = 4;
  c.num_attention_heads = 8;
  auto& d = *c.deepseek_v3;
  d.q_lora_rank = 96;
  d.kv_lora_rank = 64;
  d.qk_nope_head_dim = d.v_head_dim = 32;
  d.qk_rope_head_dim = 16;
  d.first_k_dense_replace = c.num_hidden_layers;
  d.num_nextn_predict_layers = 0;
  return c;
}

// Llama-style GQA (8 heads of 32, 2 KV heads) whose SwiGLU width makes the parameter count equal.
ModelConfig gqa_bench_config() {
  ModelConfig g = tiny_qwen2(512);
  g.arch = "llama";
  g.hidden_size = 256;
  g.num_hidden_layers = 4;
  g.num_attention_heads = 8;
  g.num_key_value_heads = 2;
  g.attention_bias = false;
  g.tie_word_embeddings = false;
  g.intermediate_size = 1;
  const int64_t target = parameter_count(*CausalLM(mla_bench_config()));
  const int64_t base = parameter_count(*CausalLM(g));  // with a 1-wide SwiGLU
  g.intermediate_size = 1 + (target - base) / (3 * g.hidden_size * g.num_hidden_layers);
  return g;
}

void decode(benchmark::State& state, const ModelConfig& cfg, MLAPath path) {
  torch::set_num_threads(1);
  torch::NoGradGuard ng;
  CausalLM m(cfg);
  init_weights(*m, 1);
  set_mla_path(*m, path);  // no-op without MLA
  auto prompt = torch::randint(0, cfg.vocab_size, {kBatch, kPrompt}, torch::kInt64);
  int64_t cache_bytes = 0, capacity = kPrompt + kDecode;
  for (auto _ : state) {
    state.PauseTiming();
    auto cache = m->make_cache(kBatch, capacity);
    auto logits = m->forward(prompt, &cache).select(1, -1);
    state.ResumeTiming();
    for (int64_t t = 0; t < kDecode; ++t) {
      auto next = logits.argmax(-1, /*keepdim=*/true);
      logits = m->forward(next, &cache).squeeze(1);
    }
    cache_bytes = cache.bytes();
  }
  state.SetItemsProcessed(state.iterations() * kBatch * kDecode);
  state.counters["kv_bytes_per_token"] = double(cache_bytes) / double(kBatch * capacity);
  state.counters["params"] = double(parameter_count(*m));
  state.counters["context"] = double(kPrompt);
}

void BM_Decode_MLA_Absorbed(benchmark::State& s) { decode(s, mla_bench_config(), MLAPath::absorbed); }
void BM_Decode_MLA_Naive(benchmark::State& s) { decode(s, mla_bench_config(), MLAPath::naive); }
void BM_Decode_GQA_MatchedParams(benchmark::State& s) { decode(s, gqa_bench_config(), MLAPath::naive); }
BENCHMARK(BM_Decode_MLA_Absorbed)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Decode_MLA_Naive)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Decode_GQA_MatchedParams)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// 16 experts of width 128, 2 routed + 1 shared active per token, on width kMoEHidden.
constexpr int64_t kMoEHidden = 256;
DeepSeekV3Config moe_bench_config() {
  auto c = *tiny_deepseek_v3(512).deepseek_v3;
  c.n_routed_experts = 16;
  c.num_experts_per_tok = 2;
  c.n_shared_experts = 1;
  c.moe_intermediate_size = 128;
  c.n_group = 4;
  c.topk_group = 2;
  return c;
}

constexpr int64_t kTokens = 1024;

// Multiply-adds of the active experts (3 matrices each) and the gate, as 2 FLOPs each.
double moe_flops_per_token(const DeepSeekV3Config& c) {
  return 2.0 * (3.0 * kMoEHidden * c.moe_intermediate_size * (c.num_experts_per_tok + c.n_shared_experts) +
                double(kMoEHidden) * c.n_routed_experts);
}

void BM_MoE_Layer(benchmark::State& state) {
  torch::set_num_threads(1);
  torch::NoGradGuard ng;
  auto cfg = moe_bench_config();
  MoE moe(kMoEHidden, cfg);
  auto x = torch::randn({1, kTokens, kMoEHidden});
  for (auto _ : state) benchmark::DoNotOptimize(moe->forward(x));
  state.SetItemsProcessed(state.iterations() * kTokens);
  state.counters["flops"] = benchmark::Counter(moe_flops_per_token(cfg) * kTokens * state.iterations(),
                                               benchmark::Counter::kIsRate);
  state.counters["total_params"] = double(parameter_count(*moe));
}

// A dense SwiGLU of width (routed active + shared) * moe_intermediate_size: the same FLOPs per token
// as the MoE layer without the gate, so tokens/s compares dispatch overhead.
void BM_MoE_DenseEquivalent(benchmark::State& state) {
  torch::set_num_threads(1);
  torch::NoGradGuard ng;
  auto cfg = moe_bench_config();
  const int64_t width = (cfg.num_experts_per_tok + cfg.n_shared_experts) * cfg.moe_intermediate_size;
  SwiGLU dense(kMoEHidden, width);
  auto x = torch::randn({1, kTokens, kMoEHidden});
  for (auto _ : state) benchmark::DoNotOptimize(dense->forward(x));
  state.SetItemsProcessed(state.iterations() * kTokens);
  state.counters["flops"] = benchmark::Counter(2.0 * 3.0 * kMoEHidden * width * kTokens * state.iterations(),
                                               benchmark::Counter::kIsRate);
  state.counters["total_params"] = double(parameter_count(*dense));
}
BENCHMARK(BM_MoE_Layer)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_MoE_DenseEquivalent)->Unit(benchmark::kMillisecond)->MinTime(1.0);

}  // namespace
