// The KV-cache engine against full recomputation, and the sampler's rules.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include "engine/generator.h"
#include "model/causal_lm.h"

using namespace r1;

namespace {

model::CausalLM tiny_model(uint64_t seed) {
  model::ModelConfig c;
  c.vocab_size = 23;
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.initializer_range = 0.3;  // peaked logits, so greedy ties are unlikely
  model::CausalLM m(c);
  model::init_weights(*m, seed);
  return m;
}

std::vector<std::vector<int32_t>> prompts() { return {{1, 2, 3, 4, 5}, {7, 8}, {9, 10, 11}}; }

}  // namespace

TEST(Generator, GreedyCacheEqualsFullRecomputation) {
  auto m = tiny_model(5);
  engine::GenerationConfig cfg;
  cfg.sampling.temperature = 0.0;
  cfg.sampling.max_new_tokens = 12;
  auto cached = engine::generate(*m, prompts(), 2, cfg);
  cfg.use_cache = false;
  auto full = engine::generate(*m, prompts(), 2, cfg);
  ASSERT_EQ(cached.size(), 6u);
  for (size_t i = 0; i < cached.size(); ++i) {
    EXPECT_EQ(cached[i].tokens, full[i].tokens) << "row " << i;
    EXPECT_EQ(cached[i].prompt_index, static_cast<int64_t>(i / 2));
  }
  // Batched left-padded generation equals generating each prompt alone.
  cfg.use_cache = true;
  for (size_t p = 0; p < prompts().size(); ++p) {
    auto alone = engine::generate(*m, {prompts()[p]}, 1, cfg);
    EXPECT_EQ(alone[0].tokens, cached[p * 2].tokens) << "prompt " << p;
  }
}

TEST(Generator, SampledCacheEqualsFullRecomputationWithSameSeed) {
  auto m = tiny_model(6);
  engine::GenerationConfig cfg;
  cfg.sampling.temperature = 1.0;
  cfg.sampling.max_new_tokens = 10;
  cfg.sampling.seed = 42;
  auto a = engine::generate(*m, prompts(), 4, cfg);
  auto b = engine::generate(*m, prompts(), 4, cfg);
  cfg.use_cache = false;
  auto c = engine::generate(*m, prompts(), 4, cfg);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].tokens, b[i].tokens);
    EXPECT_EQ(a[i].tokens, c[i].tokens);
  }
  // Samples of one group differ (the fan-out does not copy randomness).
  EXPECT_NE(a[0].tokens, a[1].tokens);
}

TEST(Generator, StopsAtStopTokenAndKeepsIt) {
  auto m = tiny_model(7);
  engine::GenerationConfig cfg;
  cfg.sampling.temperature = 0.0;
  cfg.sampling.max_new_tokens = 8;
  auto free_run = engine::generate(*m, {{1, 2, 3}}, 1, cfg);
  ASSERT_GE(free_run[0].tokens.size(), 3u);
  int32_t stop = free_run[0].tokens[2];
  cfg.stop_token_ids = {stop};
  auto stopped = engine::generate(*m, {{1, 2, 3}}, 1, cfg);
  EXPECT_TRUE(stopped[0].stopped);
  ASSERT_LE(stopped[0].tokens.size(), 3u);
  EXPECT_EQ(stopped[0].tokens.back(), stop);
  EXPECT_FALSE(free_run[0].stopped);
  EXPECT_EQ(free_run[0].tokens.size(), 8u);
}

TEST(Sampling, TopKAndTopPRestrictTheSupport) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  auto logits = torch::tensor({{2.0, 1.0, 0.5, 0.0, -1.0}}).repeat({4000, 1});
  engine::SamplingParams p;
  p.top_k = 2;
  auto s = engine::sample_tokens(logits, p, gen);
  EXPECT_TRUE((s < 2).all().item<bool>());
  // Both of the top-2 appear, in proportion e^2 : e^1.
  double frac0 = (s == 0).to(torch::kFloat).mean().item<double>();
  EXPECT_NEAR(frac0, std::exp(2.0) / (std::exp(2.0) + std::exp(1.0)), 0.03);
  // top_p 0.5: token 0 alone has p = 0.57 >= 0.5, so only it survives.
  engine::SamplingParams q;
  q.top_p = 0.5;
  EXPECT_TRUE((engine::sample_tokens(logits, q, gen) == 0).all().item<bool>());
  // top_p 0.8: tokens 0 and 1 (0.57 + 0.21 = 0.78 < 0.8) need token 2 too.
  q.top_p = 0.8;
  auto s3 = engine::sample_tokens(logits, q, gen);
  EXPECT_TRUE((s3 < 3).all().item<bool>());
  EXPECT_TRUE((s3 == 2).any().item<bool>());
  engine::SamplingParams greedy;
  greedy.temperature = 0;
  EXPECT_TRUE((engine::sample_tokens(logits, greedy, gen) == 0).all().item<bool>());
}
