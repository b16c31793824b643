// The fp32 inference layer (model/f32_linear.h) held equal to its plain path, torch::linear with the
// same weights (DenseLinear), on odd shapes: in not a multiple of 8, out not a multiple of the row
// split's 32-row grain, bias or none, 1..4 rows (the kernel) and more (torch::linear itself); the
// row split gives the same bits at every thread count; a frozen model's logits equal the plain
// model's (greedy text through `r1 generate`: tests/io/inference_load_test.cpp).
#include "model/f32_linear.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/tiny_model.h"
#include "kernels/f32_matvec.h"
#include "model/causal_lm.h"

using namespace r1::model;

namespace {

// |a - b| within float summation error of both orders: 2 γ(in + 2) Σ |w x| (+ |b|), per output.
void expect_close_to_plain(const torch::Tensor& got, const torch::Tensor& x, const torch::Tensor& w,
                           const torch::Tensor& b, const std::string& what) {
  const auto plain = torch::linear(x, w, b);
  ASSERT_EQ(got.sizes(), plain.sizes()) << what;
  auto mag = torch::matmul(x.abs().to(torch::kDouble), w.abs().t().to(torch::kDouble));
  if (b.defined()) mag = mag + b.abs().to(torch::kDouble);
  const int64_t n = w.size(1) + 2;
  const double gamma = 2 * n * std::ldexp(1.0, -24) / (1 - n * std::ldexp(1.0, -24));
  const auto err = (got.to(torch::kDouble) - plain.to(torch::kDouble)).abs();
  EXPECT_TRUE((err <= gamma * mag).all().item<bool>()) << what << ": max err " << err.max().item<double>();
}

TEST(F32Linear, EqualsTorchLinearOnOddShapes) {
  if (!r1::kernels::f32_matvec_available()) GTEST_SKIP() << "no AVX2/FMA on this CPU";
  torch::NoGradGuard ng;
  torch::manual_seed(5);
  for (auto [in, out] : {std::pair<int64_t, int64_t>{13, 45}, {100, 97}, {896, 71}, {35, 1}})
    for (bool with_bias : {false, true})
      for (int threads : {0, 1, 3}) {
        const auto w = torch::randn({out, in}), b = with_bias ? torch::randn({out}) : torch::Tensor();
        F32LinearConfig cfg;
        cfg.threads = threads;
        F32LinearImpl layer(w, b, cfg);
        for (int64_t m : {1, 2, 3, 4, 5, 7}) {
          const std::string what = std::to_string(in) + "->" + std::to_string(out) + (with_bias ? " bias" : "") +
                                   " threads " + std::to_string(threads) + " M " + std::to_string(m);
          const auto x = torch::randn({m, in});
          const auto y = layer.forward(x);
          if (m > cfg.max_kernel_batch)
            EXPECT_TRUE(torch::equal(y, torch::linear(x, w, b))) << what;  // the plain path itself
          else
            expect_close_to_plain(y, x, w, b, what);
        }
        // [B, T, in] decode input: one row per sequence.
        const auto x3 = torch::randn({2, 1, in});
        expect_close_to_plain(layer.forward(x3), x3, w, b, "3-d input");
      }
}

TEST(F32Linear, TheRowSplitDoesNotChangeABit) {
  if (!r1::kernels::f32_matvec_available()) GTEST_SKIP() << "no AVX2/FMA on this CPU";
  torch::NoGradGuard ng;
  const auto w = torch::randn({1000, 67}), b = torch::randn({1000}), x = torch::randn({3, 67});
  F32LinearConfig one;
  one.threads = 1;
  const auto ref = F32LinearImpl(w, b, one).forward(x);
  for (int t : {0, 2, 3, 4}) {
    F32LinearConfig c;
    c.threads = t;
    EXPECT_TRUE(torch::equal(F32LinearImpl(w, b, c).forward(x), ref)) << t << " threads";
  }
}

TEST(F32Linear, UnderAutogradItIsTorchLinear) {
  if (!r1::kernels::f32_matvec_available()) GTEST_SKIP() << "no AVX2/FMA on this CPU";
  const auto w = torch::randn({9, 11}).requires_grad_(), x = torch::randn({1, 11});
  F32LinearImpl layer(w, torch::Tensor(), F32LinearConfig{});
  layer.forward(x).sum().backward();
  ASSERT_TRUE(w.grad().defined());
  EXPECT_TRUE(torch::allclose(w.grad(), x.expand({9, 11})));
}

TEST(F32Linear, AFrozenModelGivesThePlainModelsLogits) {
  if (!r1::kernels::f32_matvec_available()) GTEST_SKIP() << "no AVX2/FMA on this CPU";
  torch::NoGradGuard ng;
  for (bool tied : {true, false}) {
    auto c = r1::test::micro_qwen2(53);  // q/k/v bias; 16 wide
    c.hidden_size = 36;                  // not a multiple of 8
    c.intermediate_size = 50;
    c.num_attention_heads = 2;  // head_dim 18 (even, for RoPE)
    c.num_key_value_heads = 1;
    c.tie_word_embeddings = tied;
    auto plain = r1::test::seeded_model(c, 7), frozen = r1::test::seeded_model(c, 7);
    F32LinearConfig cfg;
    cfg.threads = 2;
    // Per layer: 7 projections + 2 fused groups; the head (tied: the table's).
    EXPECT_EQ(freeze_f32_for_inference(*frozen, cfg), c.num_hidden_layers * 9 + 1);
    ASSERT_TRUE(frozen->lm_head);
    EXPECT_TRUE(dynamic_cast<F32LinearImpl*>(frozen->lm_head.get()));
    if (tied) {  // the head reads the table's storage, not a copy
      EXPECT_EQ(frozen->lm_head->dense_weight().data_ptr(), frozen->model->embed_tokens->weight.data_ptr());
    }
    int64_t groups = 0;
    for_each_projection_group(*frozen, [&](const std::string&, ProjectionGroup& g) {
      groups += dynamic_cast<F32LinearImpl*>(g.fused().get()) != nullptr;
    });
    EXPECT_EQ(groups, 2 * c.num_hidden_layers);
    // One decode-shaped row (the kernel everywhere) and a prefill (torch::linear everywhere).
    const auto row = torch::randint(0, 53, {1, 1}, torch::kInt64), ids = torch::randint(0, 53, {1, 9}, torch::kInt64);
    const auto a = frozen->forward(row), b = plain->forward(row);
    EXPECT_LT((a - b).abs().max().item<double>(), 1e-5 * (1 + b.abs().max().item<double>())) << tied;
    EXPECT_LT((frozen->forward(ids) - plain->forward(ids)).abs().max().item<double>(), 1e-5) << tied;
  }
}

}  // namespace
