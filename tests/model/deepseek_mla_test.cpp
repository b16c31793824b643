// Multi-head Latent Attention: the absorbed path (attention against the cached latent) against the
// naive path (per-head K/V materialized) and against full recomputation without a cache, plus the
// cache's size: exactly kv_lora_rank + qk_rope_head_dim values per token per layer.
#include <gtest/gtest.h>

#include "model/causal_lm.h"
#include "model/deepseek_v3.h"
#include "model/mla.h"
#include "model/presets.h"

using namespace r1::model;

namespace {

ModelConfig mla_config(int64_t q_lora_rank) {
  auto c = tiny_deepseek_v3(97);
  c.deepseek_v3->q_lora_rank = q_lora_rank;
  c.initializer_range = 0.1;  // sharper attention than 0.02, so the paths differ if the math does
  return c;
}

double rel_err(const torch::Tensor& a, const torch::Tensor& ref) {
  return (a - ref).abs().max().item<double>() / ref.abs().max().item<double>();
}

// Prefill `prompt` tokens then decode the rest one by one; returns logits [B, T, V].
torch::Tensor run_cached(CausalLMImpl& m, const torch::Tensor& ids, int64_t prompt, MLAPath prefill_path,
                         MLAPath decode_path, KVCache* cache_out = nullptr) {
  auto cache = m.make_cache(ids.size(0), ids.size(1) + 3);
  set_mla_path(m, prefill_path);
  std::vector<torch::Tensor> out{m.forward(ids.narrow(1, 0, prompt), &cache)};
  set_mla_path(m, decode_path);
  for (int64_t t = prompt; t < ids.size(1); ++t) out.push_back(m.forward(ids.narrow(1, t, 1), &cache));
  if (cache_out) *cache_out = cache;
  return torch::cat(out, 1);
}

}  // namespace

TEST(DeepSeekMLA, AbsorbedEqualsNaiveOverPrefillAndDecode) {
  for (int64_t q_lora : {32, 0}) {
    auto cfg = mla_config(q_lora);
    CausalLM m(cfg);
    init_weights(*m, 11);
    torch::NoGradGuard ng;
    torch::manual_seed(5);
    auto ids = torch::randint(0, cfg.vocab_size, {3, 40}, torch::kInt64);
    set_mla_path(*m, MLAPath::naive);
    auto full = m->forward(ids);  // no cache, naive: the reference
    KVCache cache;
    auto naive = run_cached(*m, ids, 8, MLAPath::naive, MLAPath::naive);
    auto absorbed = run_cached(*m, ids, 8, MLAPath::absorbed, MLAPath::absorbed, &cache);
    auto mixed = run_cached(*m, ids, 8, MLAPath::naive, MLAPath::absorbed);  // same latent cache, both paths
    set_mla_path(*m, MLAPath::absorbed);
    auto full_absorbed = m->forward(ids);
    double e_naive = rel_err(naive, full), e_abs = rel_err(absorbed, naive), e_mixed = rel_err(mixed, full),
           e_full = rel_err(full_absorbed, full);
    std::printf("q_lora_rank %ld: rel err cached-naive %.2e, absorbed vs naive %.2e, naive-prefill/absorbed-decode "
                "%.2e, uncached absorbed %.2e\n",
                q_lora, e_naive, e_abs, e_mixed, e_full);
    EXPECT_LE(e_naive, 1e-5);
    EXPECT_LE(e_abs, 1e-5);
    EXPECT_LE(e_mixed, 1e-5);
    EXPECT_LE(e_full, 1e-5);
    // Per-position too, so a late decode step cannot hide behind a large early logit.
    for (int64_t t = 8; t < ids.size(1); ++t)
      EXPECT_LE(rel_err(absorbed.select(1, t), full.select(1, t)), 1e-5) << "decode step at position " << t;

    // The cache: per layer exactly the latent [B, S, kv_lora_rank] and the rope key [B, S, rope_dim].
    ASSERT_EQ(static_cast<int64_t>(cache.layers.size()), cfg.num_hidden_layers);
    for (const auto& l : cache.layers) {
      EXPECT_EQ(l.a.sizes(), torch::IntArrayRef({3, cache.capacity, cfg.deepseek_v3->kv_lora_rank}));
      EXPECT_EQ(l.b.sizes(), torch::IntArrayRef({3, cache.capacity, cfg.deepseek_v3->qk_rope_head_dim}));
    }
    const int64_t values_per_token = cache.bytes() / 4 / (3 * cache.capacity * cfg.num_hidden_layers);
    EXPECT_EQ(values_per_token, cfg.deepseek_v3->kv_lora_rank + cfg.deepseek_v3->qk_rope_head_dim);
    EXPECT_EQ(cache.length, 40);
  }
}

TEST(DeepSeekMLA, CachedLatentIsNormalizedAndKeyIsRotated) {
  // The cache holds kv_a_layernorm(c_kv) and the rotated k_pe of each token, recomputed here
  // from the layer's own projections.
  auto cfg = mla_config(32);
  const auto& v3 = *cfg.deepseek_v3;
  CausalLM m(cfg);
  init_weights(*m, 12);
  torch::NoGradGuard ng;
  auto ids = torch::randint(0, cfg.vocab_size, {2, 6}, torch::kInt64);
  auto cache = m->make_cache(2, 6);
  m->forward(ids, &cache);
  auto* layer0 = m->model->layers->ptr(0)->as<DeepseekV3DecoderLayerImpl>();
  ASSERT_NE(layer0, nullptr);
  auto& mla = layer0->self_attn;
  auto x = layer0->input_layernorm(m->model->embed_tokens(ids));
  auto kv = mla->kv_a_proj_with_mqa->forward(x);
  auto c = mla->kv_a_layernorm(kv.narrow(-1, 0, v3.kv_lora_rank));
  EXPECT_TRUE(torch::allclose(cache.layers[0].a, c, 1e-6, 1e-6));
  // Rotation preserves each adjacent pair's norm and leaves position 0 unchanged.
  auto pe = kv.narrow(-1, v3.kv_lora_rank, v3.qk_rope_head_dim);
  auto pair_norm = [](const torch::Tensor& t) { return t.unflatten(-1, {-1, 2}).pow(2).sum(-1); };
  EXPECT_TRUE(torch::allclose(pair_norm(cache.layers[0].b), pair_norm(pe), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(cache.layers[0].b.select(1, 0), pe.select(1, 0), 1e-6, 1e-6));
  EXPECT_FALSE(torch::allclose(cache.layers[0].b.select(1, 3), pe.select(1, 3), 1e-3, 1e-3));
}

TEST(DeepSeekMLA, LeftPaddingOnTheAbsorbedPath) {
  auto cfg = mla_config(32);
  CausalLM m(cfg);
  init_weights(*m, 13);
  set_mla_path(*m, MLAPath::absorbed);
  torch::NoGradGuard ng;
  auto ids = torch::randint(1, cfg.vocab_size, {1, 5}, torch::kInt64);
  auto next = torch::full({1, 1}, 7, torch::kInt64);
  auto ref = m->forward(torch::cat({ids, next}, 1));
  auto padded_ids = torch::cat({torch::zeros({1, 3}, torch::kInt64), ids}, 1);
  auto valid = torch::cat({torch::zeros({1, 3}, torch::kBool), torch::ones({1, 5}, torch::kBool)}, 1);
  auto cache = m->make_cache(1, 10);
  auto padded = m->forward(padded_ids, &cache, valid);
  EXPECT_LE(rel_err(padded.narrow(1, 3, 5), ref.narrow(1, 0, 5)), 1e-5);
  auto step = m->forward(next, &cache);
  EXPECT_LE(rel_err(step.squeeze(1), ref.select(1, 5)), 1e-5);
}
