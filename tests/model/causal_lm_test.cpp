// The Qwen2/Llama decoder against independent references: finite-difference gradients (double),
// the KV-cache path against full recomputation, and left padding against unpadded inputs.
#include <gtest/gtest.h>

#include "model/causal_lm.h"
#include "common/tiny_model.h"
#include "model_test_util.h"

using namespace r1::model;

namespace {

ModelConfig micro_config() { return r1::test::micro_qwen2(37); }

}  // namespace

TEST(CausalLM, HuggingFaceParameterNames) {
  CausalLM m(micro_config());
  auto params = m->named_parameters();
  for (const char* name : {"model.embed_tokens.weight", "model.layers.0.input_layernorm.weight",
                           "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.q_proj.bias",
                           "model.layers.1.self_attn.k_proj.bias", "model.layers.1.self_attn.o_proj.weight",
                           "model.layers.1.post_attention_layernorm.weight", "model.layers.1.mlp.gate_proj.weight",
                           "model.layers.1.mlp.up_proj.weight", "model.layers.1.mlp.down_proj.weight",
                           "model.norm.weight", "lm_head.weight"})
    EXPECT_TRUE(params.contains(name)) << name;
  EXPECT_FALSE(params.contains("model.layers.0.self_attn.o_proj.bias"));
  // Qwen2-style shapes: GQA k_proj is [Hkv * D, C].
  EXPECT_EQ(params["model.layers.0.self_attn.k_proj.weight"].sizes(), torch::IntArrayRef({8, 16}));
}

TEST(CausalLM, GradientsMatchFiniteDifferences) {
  for (bool tied : {false, true}) {
    auto cfg = micro_config();
    cfg.tie_word_embeddings = tied;
    CausalLM m(cfg);
    init_weights(*m, 1);
    m->to(torch::kFloat64);
    auto ids = torch::randint(0, cfg.vocab_size, {2, 6}, torch::kInt64);
    auto loss_fn = [&]() {
      auto logits = m->forward(ids.narrow(1, 0, 5));
      return torch::nn::functional::cross_entropy(logits.reshape({-1, cfg.vocab_size}),
                                                  ids.narrow(1, 1, 5).reshape({-1}));
    };
    r1::test::expect_gradients_match_finite_differences(*m, loss_fn, /*samples_per_tensor=*/3, 1e-6, 1e-5);
  }
}

TEST(CausalLM, KVCacheMatchesFullRecomputation) {
  auto cfg = micro_config();
  CausalLM m(cfg);
  init_weights(*m, 2);
  torch::NoGradGuard ng;
  auto ids = torch::randint(0, cfg.vocab_size, {3, 9}, torch::kInt64);
  auto full = m->forward(ids);  // [3, 9, V]
  auto cache = m->make_cache(3, 12);
  auto prefill = m->forward(ids.narrow(1, 0, 4), &cache);
  EXPECT_TRUE(torch::allclose(prefill, full.narrow(1, 0, 4), 1e-5, 1e-5));
  for (int64_t t = 4; t < 9; ++t) {
    auto step = m->forward(ids.narrow(1, t, 1), &cache);
    EXPECT_TRUE(torch::allclose(step.squeeze(1), full.select(1, t), 1e-5, 1e-5)) << "position " << t;
  }
  EXPECT_EQ(cache.length, 9);
}

TEST(CausalLM, LeftPaddingDoesNotChangeRealTokens) {
  auto cfg = micro_config();
  CausalLM m(cfg);
  init_weights(*m, 3);
  torch::NoGradGuard ng;
  auto ids = torch::randint(1, cfg.vocab_size, {1, 5}, torch::kInt64);
  auto plain = m->forward(ids);
  auto padded_ids = torch::cat({torch::zeros({1, 3}, torch::kInt64), ids}, 1);
  auto valid = torch::cat({torch::zeros({1, 3}, torch::kBool), torch::ones({1, 5}, torch::kBool)}, 1);
  auto padded = m->forward(padded_ids, nullptr, valid);
  EXPECT_TRUE(torch::allclose(padded.narrow(1, 3, 5), plain, 1e-5, 1e-5));
  // The same through the cache: prefill padded, then decode one token.
  auto cache = m->make_cache(1, 10);
  m->forward(padded_ids, &cache, valid);
  auto next = torch::full({1, 1}, 7, torch::kInt64);
  auto step = m->forward(next, &cache);
  auto ref = m->forward(torch::cat({ids, next}, 1));
  EXPECT_TRUE(torch::allclose(step.squeeze(1), ref.select(1, 5), 1e-5, 1e-5));
}

TEST(CausalLM, CloneIsDeep) {
  CausalLM m(micro_config());
  init_weights(*m, 4);
  auto copy = clone_model(*m);
  auto before = copy->named_parameters()["model.norm.weight"].clone();
  {
    torch::NoGradGuard ng;
    m->named_parameters()["model.norm.weight"].add_(1.0);
  }
  EXPECT_TRUE(torch::equal(copy->named_parameters()["model.norm.weight"], before));
}

TEST(CausalLM, InvalidConfigNamesTheField) {
  auto cfg = micro_config();
  cfg.num_key_value_heads = 3;
  try {
    CausalLM m(cfg);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("num_key_value_heads"), std::string::npos) << e.what();
  }
}
