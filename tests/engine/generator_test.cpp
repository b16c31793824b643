// The KV-cache engine against full recomputation, and the sampler's rules.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "common/tiny_model.h"
#include "core/error.h"
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
  return test::seeded_model(c, seed);
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

namespace {

// A CPU generator whose Mersenne Twister state is all zeros: the twist of a zero state is zero and
// tempering maps 0 to 0, so every uniform draw is exactly 0 and every Exp(1) draw -log(1 - 0) is 0 —
// the draw some MKL builds of libtorch return, made certain.
at::Generator zero_generator() {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  auto state = gen.get_state();
  state.zero_();
  uint8_t* pod = state.data_ptr<uint8_t>();
  const int32_t left = 1, seeded = 1;  // CPUGeneratorImplStateLegacy: seed (8 bytes), left, seeded, next, state[]
  std::memcpy(pod + 8, &left, 4);
  std::memcpy(pod + 12, &seeded, 4);
  gen.set_state(state);
  return gen;
}

}  // namespace

TEST(Sampling, ZeroNoiseNeverPicksATokenOutsideTheNucleus) {
  auto probe = zero_generator();
  if (!(torch::empty({8}).exponential_(1.0, probe) == 0).all().item<bool>())
    GTEST_SKIP() << "this libtorch draws Exp(1) through MKL; the all-zero generator does not force 0";
  auto logits = torch::tensor({{2.0, 1.0, 0.5, 0.0, -1.0}});
  engine::SamplingParams q;
  q.top_p = 0.5;  // the nucleus is token 0 alone
  auto gen = zero_generator();
  EXPECT_EQ(engine::sample_tokens(logits, q, gen).item<int64_t>(), 0);  // 0/0 used to pick token 1
  q.top_p = 0.8;  // tokens 0, 1, 2; equal (clamped) noise makes the most likely one win
  EXPECT_EQ(engine::sample_tokens(logits, q, gen).item<int64_t>(), 0);
  std::vector<at::Generator> gens{zero_generator(), zero_generator()};
  auto noise = engine::exponential_noise(5, gens);
  EXPECT_TRUE((noise >= std::numeric_limits<float>::min()).all().item<bool>());
  EXPECT_TRUE(torch::isfinite(engine::sampling_logprobs(logits, q).exp() / noise).all().item<bool>());
}

TEST(Generator, ASampleDoesNotDependOnItsBatch) {
  auto m = tiny_model(8);
  engine::GenerationConfig cfg;
  cfg.sampling.temperature = 1.0;
  cfg.sampling.max_new_tokens = 10;
  cfg.row_seeds = {11, 12, 21, 22, 31, 32};  // prompts()[p] sample j: seed 10 (p + 1) + j + 1
  auto batched = engine::generate(*m, prompts(), 2, cfg);
  // Prompt 2 alone, then prompts 2 and 0 in another order: the same seeds give the same samples.
  cfg.row_seeds = {31, 32};
  auto alone = engine::generate(*m, {prompts()[2]}, 2, cfg);
  cfg.row_seeds = {31, 32, 11, 12};
  auto swapped = engine::generate(*m, {prompts()[2], prompts()[0]}, 2, cfg);
  for (int j = 0; j < 2; ++j) {
    EXPECT_EQ(alone[j].tokens, batched[4 + j].tokens) << j;
    EXPECT_EQ(swapped[j].tokens, batched[4 + j].tokens) << j;
    EXPECT_EQ(swapped[2 + j].tokens, batched[j].tokens) << j;
  }
  EXPECT_NE(batched[4].tokens, batched[5].tokens);
  cfg.row_seeds = {1, 2};
  EXPECT_THROW(engine::generate(*m, prompts(), 2, cfg), r1::Error);  // one seed per row
}

// The log-prob the engine records for each sampled token, against the distribution recomputed
// from scratch: a full forward over prompt + tokens, softmax(z / T), and the top-p nucleus built by
// sorting and renormalised, written out per position.
TEST(Generator, RecordsEachTokensLogprobUnderTheSamplingDistribution) {
  auto m = tiny_model(9);
  for (double top_p : {1.0, 0.9}) {
    engine::GenerationConfig cfg;
    cfg.sampling.temperature = 0.7;
    cfg.sampling.top_p = top_p;
    cfg.sampling.max_new_tokens = 8;
    cfg.sampling.seed = 5;
    const std::vector<int32_t> prompt = {1, 2, 3, 4, 5};
    auto out = engine::generate(*m, {prompt}, 3, cfg);
    for (const auto& c : out) {
      ASSERT_EQ(c.logprobs.size(), c.tokens.size());
      std::vector<int64_t> seq(prompt.begin(), prompt.end());
      seq.insert(seq.end(), c.tokens.begin(), c.tokens.end());
      torch::NoGradGuard ng;
      auto logits = m->forward(torch::tensor(seq).unsqueeze(0)).squeeze(0).to(torch::kDouble);  // [L, V]
      for (size_t t = 0; t < c.tokens.size(); ++t) {
        auto p = (logits[prompt.size() - 1 + t] / 0.7).softmax(-1);
        std::vector<std::pair<double, int64_t>> order;
        for (int64_t v = 0; v < p.size(0); ++v) order.emplace_back(p[v].item<double>(), v);
        std::sort(order.rbegin(), order.rend());
        double before = 0, kept = 0, mine = -1;
        for (auto [pv, v] : order) {
          if (top_p < 1.0 && before >= top_p) break;
          before += pv;
          kept += pv;
          if (v == c.tokens[t]) mine = pv;
        }
        ASSERT_GT(mine, 0) << "sampled outside the nucleus";
        EXPECT_NEAR(c.logprobs[t], std::log(mine / kept), 2e-4) << "top_p " << top_p << " position " << t;
      }
    }
  }
}
