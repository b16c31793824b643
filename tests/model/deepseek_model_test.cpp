// A tiny DeepSeek-V3 (MLA + MoE + MTP) as a whole: Hugging Face tensor names and shapes, gradients
// against finite differences in double, the MTP target shift, and a short training run.
#include <gtest/gtest.h>

#include "model/causal_lm.h"
#include "model/mla.h"
#include "model/moe.h"
#include "model/mtp.h"
#include "model/presets.h"
#include "common/tiny_model.h"
#include "model_test_util.h"

using namespace r1::model;

namespace {

ModelConfig micro_v3() { return r1::test::micro_deepseek_v3(23); }

}  // namespace

TEST(DeepSeekV3, HuggingFaceNamesAndShapes) {
  auto cfg = tiny_deepseek_v3(97);
  CausalLM m(cfg);
  auto p = m->named_parameters();
  const int64_t C = 128, H = 4;
  auto expect_shape = [&](const std::string& name, std::vector<int64_t> shape) {
    ASSERT_TRUE(p.contains(name)) << name;
    EXPECT_EQ(p[name].sizes(), torch::IntArrayRef(shape)) << name;
  };
  expect_shape("model.embed_tokens.weight", {97, C});
  expect_shape("model.layers.0.self_attn.q_a_proj.weight", {32, C});
  expect_shape("model.layers.0.self_attn.q_a_layernorm.weight", {32});
  expect_shape("model.layers.0.self_attn.q_b_proj.weight", {H * (16 + 16), 32});
  expect_shape("model.layers.0.self_attn.kv_a_proj_with_mqa.weight", {32 + 16, C});
  expect_shape("model.layers.0.self_attn.kv_a_layernorm.weight", {32});
  expect_shape("model.layers.0.self_attn.kv_b_proj.weight", {H * (16 + 16), 32});
  expect_shape("model.layers.0.self_attn.o_proj.weight", {C, H * 16});
  expect_shape("model.layers.0.mlp.gate_proj.weight", {256, C});  // dense: first_k_dense_replace = 1
  expect_shape("model.layers.1.mlp.gate.weight", {8, C});
  expect_shape("model.layers.2.mlp.experts.7.down_proj.weight", {C, 64});
  expect_shape("model.layers.2.mlp.shared_experts.up_proj.weight", {64, C});
  expect_shape("model.layers.3.enorm.weight", {C});  // the MTP module: layer num_hidden_layers
  expect_shape("model.layers.3.hnorm.weight", {C});
  expect_shape("model.layers.3.eh_proj.weight", {C, 2 * C});
  expect_shape("model.layers.3.shared_head.norm.weight", {C});
  expect_shape("model.layers.3.self_attn.kv_b_proj.weight", {H * 32, 32});
  expect_shape("model.layers.3.mlp.experts.0.gate_proj.weight", {64, C});
  expect_shape("model.norm.weight", {C});
  expect_shape("lm_head.weight", {97, C});
  EXPECT_FALSE(p.contains("model.layers.0.self_attn.q_proj.weight"));
  EXPECT_FALSE(p.contains("model.layers.0.self_attn.o_proj.bias"));
  auto b = m->named_buffers();
  ASSERT_TRUE(b.contains("model.layers.1.mlp.gate.e_score_correction_bias"));
  EXPECT_EQ(b["model.layers.1.mlp.gate.e_score_correction_bias"].sizes(), torch::IntArrayRef({8}));

  cfg.deepseek_v3->q_lora_rank = 0;
  CausalLM direct(cfg);
  EXPECT_EQ(direct->named_parameters()["model.layers.0.self_attn.q_proj.weight"].sizes(),
            torch::IntArrayRef({H * 32, C}));
  EXPECT_EQ(moe_layers(*m).size(), 3u);  // layers 1, 2 and the MTP layer
  EXPECT_EQ(mtp_layers(*m).size(), 1u);
  EXPECT_EQ(m->make_cache(1, 4).layers.size(), 3u);  // the MTP layer never decodes
}

TEST(DeepSeekV3, GradientsMatchFiniteDifferences) {
  auto cfg = micro_v3();
  for (auto path : {MLAPath::naive, MLAPath::absorbed}) {
    CausalLM m(cfg);
    init_weights(*m, 21);
    m->to(torch::kFloat64);
    set_mla_path(*m, path);
    torch::manual_seed(8);
    auto ids = torch::randint(0, cfg.vocab_size, {3, 9}, torch::kInt64);
    auto loss_fn = [&]() {
      auto inputs = ids.narrow(1, 0, 8);
      auto hidden = m->hidden_states(inputs);
      auto logits = m->logits(hidden);
      auto ce = torch::nn::functional::cross_entropy(logits.reshape({-1, cfg.vocab_size}),
                                                     ids.narrow(1, 1, 8).reshape({-1}));
      auto mtp = mtp_loss(*m, inputs, hidden);  // before moe_balance_loss, which reads every MoE forward
      return ce + mtp + moe_balance_loss(*m);
    };
    loss_fn();
    // Every expert of every MoE layer must see tokens, or its weights would have no gradient to check.
    for (auto* moe : moe_layers(*m)) ASSERT_GT(moe->accumulated_load().min().item<int64_t>(), 0);
    r1::test::expect_gradients_match_finite_differences(*m, loss_fn, /*samples_per_tensor=*/2, 1e-6, 1e-5);
  }
}

TEST(DeepSeekV3, MTPPredictsTwoAheadFromTheNextToken) {
  // Module 1 at position i reads h_i and token i+1 and predicts token i+2: its logits at i must
  // change with token i+1 but not with token i+2 (its own target).
  auto cfg = micro_v3();
  CausalLM m(cfg);
  init_weights(*m, 22);
  torch::NoGradGuard ng;
  auto* mtp = mtp_layers(*m).at(0);
  auto mtp_logits = [&](const torch::Tensor& ids) {
    const int64_t L = ids.size(1) - 1;
    auto hidden = m->hidden_states(ids);
    auto in = m->uncached_layer_input(torch::ones({1, L}, torch::kBool));
    auto h = mtp->forward_mtp(hidden.narrow(1, 0, L), m->model->embed_tokens(ids.narrow(1, 1, L)), in);
    return m->logits(mtp->shared_head->norm(h));  // [1, L, V]
  };
  auto ids = torch::randint(0, cfg.vocab_size, {1, 7}, torch::kInt64);
  auto base = mtp_logits(ids);
  auto changed = ids.clone();
  changed[0][4] = (ids[0][4].item<int64_t>() + 1) % cfg.vocab_size;
  auto after = mtp_logits(changed);
  EXPECT_TRUE(torch::allclose(after.narrow(1, 0, 3), base.narrow(1, 0, 3)));  // i = 0..2 predict up to token 4
  EXPECT_FALSE(torch::allclose(after.select(1, 3), base.select(1, 3)));       // i = 3 reads token 4

  // mtp_loss = weight * mean CE of those logits against tokens i+2.
  auto hidden = m->hidden_states(ids);
  auto ce = torch::nn::functional::cross_entropy(base.narrow(1, 0, 5).reshape({-1, cfg.vocab_size}),
                                                 ids.narrow(1, 2, 5).reshape({-1}));
  EXPECT_NEAR(mtp_loss(*m, ids, hidden).item<double>(), cfg.deepseek_v3->mtp_loss_weight * ce.item<double>(), 1e-6);
  // A target mask drops positions: counting only the last target equals its single CE.
  auto target = torch::zeros({1, 7}, torch::kBool);
  target[0][6] = true;
  auto last = torch::nn::functional::cross_entropy(base.select(1, 4), ids.narrow(1, 6, 1).reshape({-1}));
  EXPECT_NEAR(mtp_loss(*m, ids, hidden, {}, target).item<double>(), cfg.deepseek_v3->mtp_loss_weight * last.item<double>(), 1e-6);
}

TEST(DeepSeekV3, TrainsAndGeneratesWithTheLatentCache) {
  auto cfg = tiny_deepseek_v3(50);
  CausalLM m(cfg);
  init_weights(*m, 23);
  torch::manual_seed(9);
  auto ids = torch::randint(0, cfg.vocab_size, {4, 16}, torch::kInt64);
  torch::optim::Adam opt(m->parameters(), torch::optim::AdamOptions(3e-3));
  double first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    auto inputs = ids.narrow(1, 0, 15);
    auto hidden = m->hidden_states(inputs);
    auto ce = torch::nn::functional::cross_entropy(m->logits(hidden).reshape({-1, cfg.vocab_size}),
                                                   ids.narrow(1, 1, 15).reshape({-1}));
    auto mtp = mtp_loss(*m, inputs, hidden);
    auto loss = ce + mtp + moe_balance_loss(*m);
    opt.zero_grad();
    loss.backward();
    opt.step();
    update_moe_biases(*m);
    if (step == 0) first = ce.item<double>();
    last = ce.item<double>();
  }
  std::printf("tiny DeepSeek-V3 CE on a fixed batch: %.3f -> %.3f after 60 Adam steps\n", first, last);
  EXPECT_LT(last, 0.5 * first);

  // Greedy decoding through the latent cache on the absorbed path equals recomputing everything.
  torch::NoGradGuard ng;
  set_mla_path(*m, MLAPath::absorbed);
  auto seq = ids.narrow(1, 0, 4).clone();
  auto cache = m->make_cache(4, 16);
  auto logits = m->forward(seq, &cache).select(1, -1);
  for (int t = 0; t < 8; ++t) {
    auto next = logits.argmax(-1, /*keepdim=*/true);
    seq = torch::cat({seq, next}, 1);
    logits = m->forward(next, &cache).squeeze(1);
    set_mla_path(*m, MLAPath::naive);
    auto ref = m->forward(seq).select(1, -1);
    set_mla_path(*m, MLAPath::absorbed);
    EXPECT_TRUE(torch::allclose(logits, ref, 1e-4, 1e-4)) << "step " << t;
  }
}

// Right padding (GRPO and SFT batches) through the whole model: a batch of sequences of 7 and 4
// real tokens padded to 9 routes, counts and balances as the sequences run alone.
TEST(DeepSeekV3, RightPaddingIsNotRoutedCountedOrBalanced) {
  auto cfg = tiny_deepseek_v3(50);  // aux_loss_alpha > 0: the balance loss is on
  CausalLM m(cfg);
  init_weights(*m, 31);
  torch::manual_seed(10);
  const std::vector<int64_t> lengths = {7, 4};
  auto ids = torch::randint(1, cfg.vocab_size, {2, 9}, torch::kInt64);
  auto valid = torch::zeros({2, 9}, torch::kBool);
  for (size_t b = 0; b < lengths.size(); ++b) valid[b].narrow(0, 0, lengths[b]).fill_(true);
  auto layers = moe_layers(*m);
  std::vector<torch::Tensor> load(layers.size());
  double balance_alone = 0;
  {
    torch::NoGradGuard ng;  // the runs alone leave accumulated loads (and so the bias) untouched
    for (size_t b = 0; b < lengths.size(); ++b) {
      m->hidden_states(ids.narrow(0, b, 1).narrow(1, 0, lengths[b]));
      for (size_t l = 0; l < layers.size(); ++l)
        load[l] = b == 0 ? layers[l]->last_load().clone() : load[l] + layers[l]->last_load();
      balance_alone += moe_balance_loss(*m).item<double>() / double(lengths.size());
    }
  }
  m->hidden_states(ids, nullptr, valid);
  for (size_t l = 0; l < layers.size(); ++l) {
    if (layers[l]->last_load().sum().item<int64_t>() == 0) continue;  // the MTP layer never ran
    EXPECT_TRUE(torch::equal(layers[l]->last_load(), load[l])) << "MoE layer " << l;
    EXPECT_TRUE(torch::equal(layers[l]->accumulated_load(), load[l])) << "MoE layer " << l;
  }
  EXPECT_NEAR(moe_balance_loss(*m).item<double>(), balance_alone, 1e-9);
}
