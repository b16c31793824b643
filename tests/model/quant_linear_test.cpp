// Quantized projections (model/quant_linear.h) and quantized models (model/quantize_model.h).
// Oracles: the dense product with the layer's own dequantized weights (torch::linear), the error
// bounds of kernels/quantize.h and kernels/quant_matmul.h recomputed here per weight and per
// output, and a plain DenseLinear model holding the dequantized weights, run through the ordinary
// fp32 forward.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>
#include <map>

#include "common/tiny_model.h"
#include "core/error.h"
#include "kernels/quant_matmul.h"
#include "model/causal_lm.h"
#include "model/quant_linear.h"
#include "model/quantize_model.h"

using namespace r1::model;
using r1::kernels::ActivationFormat;
using r1::kernels::KernelPath;
using r1::kernels::QuantType;

namespace {

QuantLinearConfig config(KernelPath path, ActivationFormat act, int64_t max_kernel_batch = 8) {
  QuantLinearConfig c;
  c.kernel = {path, act};
  c.max_kernel_batch = max_kernel_batch;
  return c;
}

const std::vector<QuantType> kTypes = {QuantType::q8_0, QuantType::q4_0, QuantType::q4_1};

// Per weight: the bound of kernels/quantize.h for its block (block amax / max / min), with a few
// float ulps of slack for x * (1/d).
torch::Tensor weight_error_bound(const torch::Tensor& w, QuantType t) {
  const double u16 = std::ldexp(1.0, -11);
  auto blocks = w.view({w.size(0), -1, 32});
  auto amax = blocks.abs().amax(-1, true);  // [out, in/32, 1]
  torch::Tensor bound;
  if (t == QuantType::q8_0) {
    auto d = amax / 127;
    bound = d * (0.5 + 127 * u16);
  } else if (t == QuantType::q4_0) {
    auto d = amax / 8;
    bound = d * (1.0 + 8 * u16);  // the clamped side's bound, which covers the other
  } else {
    auto mx = blocks.amax(-1, true), mn = blocks.amin(-1, true);
    auto d = (mx - mn) / 15;
    bound = d * (0.5 + 15 * u16) + mn.abs() * u16;
  }
  bound = bound + std::ldexp(1.0, -25) + 4e-7 * amax;  // subnormal scales, float rounding
  return bound.expand_as(blocks).reshape_as(w);
}

// Per output of x [N, K] · W'ᵀ with q8_0 activations: kernels/quant_matmul.h's bound.
torch::Tensor activation_error_bound(const torch::Tensor& x, const torch::Tensor& wq) {
  const double u16 = std::ldexp(1.0, -11);
  const int64_t nb = x.size(1) / 32;
  auto xa = x.view({x.size(0), nb, 32}).abs().amax(-1) / 127;      // [N, nb]
  auto wsum = wq.abs().view({wq.size(0), nb, 32}).sum(-1);          // [out, nb]
  auto act = (0.5 + 127 * u16) * torch::matmul(xa, wsum.t());       // [N, out]
  auto terms = torch::matmul(x.abs(), wq.abs().t());                // [N, out]
  return act + 1e-5 * terms + 1e-6;
}

}  // namespace

TEST(QuantLinear, QuantizationErrorOfARandomLayerIsBounded) {
  torch::manual_seed(1);
  auto w = torch::randn({64, 256}) * 0.05;
  w.index_put_({0, torch::indexing::Slice(0, 32)}, 0.0);  // an all-zero block (d = 0)
  w[1][5] = 3.0;                                          // an outlier in a block
  for (auto t : kTypes) {
    QuantLinearImpl q(t, w, {}, config(KernelPath::reference, ActivationFormat::f32));
    auto wq = q.dense_weight();
    ASSERT_EQ(wq.sizes(), w.sizes());
    auto err = (wq - w).abs();
    auto bound = weight_error_bound(w, t);
    EXPECT_TRUE((err <= bound).all().item<bool>())
        << r1::kernels::quant_type_name(t) << ": worst excess " << (err - bound).max().item<double>();
    EXPECT_TRUE((wq[0].narrow(0, 0, 32) == 0).all().item<bool>());
    // Not trivially exact either: the mean error is a sizeable part of the bound.
    EXPECT_GT((err / bound).mean().item<double>(), 0.1) << r1::kernels::quant_type_name(t);
  }
}

TEST(QuantLinear, BF16AndHalfWeightsQuantizeAsTheirFloatValues) {
  torch::manual_seed(2);
  auto w = torch::randn({32, 96});
  for (auto t : kTypes)
    for (auto dt : {torch::kBFloat16, torch::kHalf}) {
      auto narrow = w.to(dt);
      QuantLinearImpl a(t, narrow, {}, {});
      QuantLinearImpl b(t, narrow.to(torch::kFloat), {}, {});
      EXPECT_TRUE(torch::equal(a.dense_weight(), b.dense_weight())) << r1::kernels::quant_type_name(t);
    }
}

TEST(QuantLinear, ForwardEqualsTheDequantizedDenseProduct) {
  torch::manual_seed(3);
  auto w = torch::randn({80, 128}) * 0.1, b = torch::randn({80});
  for (auto t : kTypes) {
    for (auto path : {KernelPath::reference, r1::kernels::best_kernel_path()}) {
      for (int64_t rows : {1, 3, 8, 9, 40}) {  // kernel path up to 8 rows, then dequantized tiles
        auto x = torch::randn({rows, 128});
        QuantLinearImpl f32(t, w, b, config(path, ActivationFormat::f32));
        QuantLinearImpl q8(t, w, b, config(path, ActivationFormat::q8_0));
        auto wq = f32.dense_weight();
        auto ref = torch::linear(x, wq, b);
        auto terms = torch::matmul(x.abs(), wq.abs().t()) + b.abs();
        const std::string what = std::string(r1::kernels::quant_type_name(t)) + " " +
                                 r1::kernels::kernel_path_name(path) + " rows " + std::to_string(rows);
        EXPECT_TRUE(((f32.forward(x) - ref).abs() <= 1e-5 * terms + 1e-6).all().item<bool>()) << what;
        auto y = q8.forward(x);
        if (rows > 8) {  // the tiled path multiplies fp32 activations: no activation rounding
          EXPECT_TRUE(((y - ref).abs() <= 1e-5 * terms + 1e-6).all().item<bool>()) << what;
        } else {
          auto err = (y - ref).abs(), bound = activation_error_bound(x, wq);
          EXPECT_TRUE((err <= bound).all().item<bool>()) << what << ": worst excess " << (err - bound).max().item<double>();
          EXPECT_GT(err.max().item<double>(), 0.0) << what << ": q8_0 activations should round";
        }
      }
    }
  }
}

TEST(QuantLinear, KeepsLeadingDimsAndDtype) {
  torch::manual_seed(4);
  auto w = torch::randn({48, 64});
  QuantLinearImpl q(QuantType::q8_0, w, {}, {});
  auto x = torch::randn({2, 3, 64});
  auto y = q.forward(x);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 3, 48}));
  EXPECT_TRUE(torch::allclose(y, q.forward(x.reshape({6, 64})).view({2, 3, 48})));
  EXPECT_EQ(q.forward(x.to(torch::kBFloat16)).scalar_type(), torch::kBFloat16);
  EXPECT_THROW(q.forward(torch::randn({2, 32})), r1::Error);
  EXPECT_THROW(QuantLinearImpl(QuantType::q8_0, torch::randn({4, 40}), {}, {}), r1::Error);  // 40 % 32
}

TEST(QuantLinear, Avx2PathEqualsTheReferencePath) {
  if (!r1::kernels::kernel_path_available(KernelPath::avx2)) GTEST_SKIP() << "no AVX2/FMA on this CPU";
  torch::manual_seed(5);
  auto w = torch::randn({200, 320}) * 0.1, b = torch::randn({200});
  for (auto t : kTypes)
    for (auto act : {ActivationFormat::q8_0, ActivationFormat::f32})
      for (int64_t rows : {1, 4, 7}) {
        auto x = torch::randn({rows, 320});
        QuantLinearImpl ref(t, w, b, config(KernelPath::reference, act));
        QuantLinearImpl fast(t, w, b, config(KernelPath::avx2, act));
        auto terms = torch::matmul(x.abs(), ref.dense_weight().abs().t()) + b.abs();
        // Integer block products are exact in both, activations bitwise equal: only float
        // summation order differs (2ε of kernels/quant_matmul.h).
        EXPECT_TRUE(((ref.forward(x) - fast.forward(x)).abs() <= 1e-5 * terms).all().item<bool>())
            << r1::kernels::quant_type_name(t) << " " << r1::kernels::activation_format_name(act) << " rows " << rows;
      }
}

// The kernel's own thread team (QuantLinearConfig::threads, kernels/row_split.h) against ATen's
// parallel_for: each output row is one thread's, so the outputs are bitwise equal.
TEST(QuantLinear, OwnThreadTeamGivesBitwiseTheOutputOfTheAtenSplit) {
  torch::manual_seed(6);
  auto w = torch::randn({1000, 256}) * 0.1;
  for (auto t : kTypes)
    for (auto act : {ActivationFormat::q8_0, ActivationFormat::f32})
      for (int64_t rows : {1, 3}) {
        auto x = torch::randn({rows, 256});
        auto plain = config(r1::kernels::best_kernel_path(), act);
        QuantLinearImpl q(t, w, {}, plain);
        const auto expected = q.forward(x);
        for (int threads : {1, 2, 3}) {
          auto team = plain;
          team.threads = threads;
          q.set_config(team);
          EXPECT_TRUE(torch::equal(q.forward(x), expected))
              << r1::kernels::quant_type_name(t) << " " << r1::kernels::activation_format_name(act) << " rows " << rows
              << " threads " << threads;
        }
      }
}

// ---------------------------------------------------------------------------------------------
// Whole models.

namespace {

ModelConfig qwen_config(bool tied) {
  auto c = r1::test::tiny_qwen2_config(96, 64);
  c.hidden_size = 64;
  c.intermediate_size = 96;
  c.num_attention_heads = 2;
  c.num_key_value_heads = 1;
  c.tie_word_embeddings = tied;
  c.initializer_range = 0.15;  // peaked next-token distributions, so KL and argmax mean something
  return c;
}

// Every MLA / MoE projection of width 32, except o_proj (2 heads x 6 = 12 inputs: stays dense).
ModelConfig deepseek_config() {
  auto c = r1::test::micro_deepseek_v3(96);
  c.hidden_size = 32;
  c.intermediate_size = 64;
  auto& d = *c.deepseek_v3;
  d.q_lora_rank = d.kv_lora_rank = 32;
  d.moe_intermediate_size = 32;
  c.initializer_range = 0.15;
  return c;
}

CausalLM build(const ModelConfig& c, uint64_t seed) {
  CausalLM m(c);
  init_weights(*m, seed);
  m->eval();
  return m;
}

// A plain model holding the quantized model's dequantized weights (projections, head, bf16 table).
CausalLM dequantized_twin(const CausalLMImpl& fp32, CausalLMImpl& quantized) {
  auto twin = clone_model(fp32);
  std::map<std::string, std::pair<torch::Tensor, torch::Tensor>> weights;
  replace_projections(quantized, [&](const std::string& name, const LinearLayer& l) -> LinearPtr {
    weights[name] = {l.dense_weight(), l.dense_bias()};
    return nullptr;
  });
  auto dense = [](const torch::Tensor& w, const torch::Tensor& b) {
    auto l = std::make_shared<DenseLinearImpl>(w.size(1), w.size(0), b.defined());
    torch::NoGradGuard ng;
    l->weight.copy_(w);
    if (b.defined()) l->bias.copy_(b);
    return l;
  };
  replace_projections(*twin, [&](const std::string& name, const LinearLayer&) -> LinearPtr {
    auto& [w, b] = weights.at(name);
    return dense(w, b);
  });
  if (!twin->lm_head && quantized.lm_head) twin->replace_projection("lm_head", dense(quantized.lm_head->dense_weight(), {}));
  torch::NoGradGuard ng;
  twin->model->embed_tokens->weight.copy_(quantized.model->embed_tokens->weight.to(torch::kFloat));
  return twin;
}

void set_linear_config(CausalLMImpl& m, const QuantLinearConfig& c) {
  for (auto& item : m.named_modules())
    if (auto* q = dynamic_cast<QuantLinearImpl*>(item.value().get())) q->set_config(c);
  if (auto* q = dynamic_cast<QuantLinearImpl*>(m.lm_head.get())) q->set_config(c);
}

// Mean over positions of KL(p || q) of the next-token distributions, logits [B, T, V].
double mean_kl(const torch::Tensor& p_logits, const torch::Tensor& q_logits) {
  auto lp = torch::log_softmax(p_logits, -1), lq = torch::log_softmax(q_logits, -1);
  return (lp.exp() * (lp - lq)).sum(-1).mean().item<double>();
}

// Greedy continuation through the KV cache: prefill, then one token per step (batch-1 decode).
std::vector<int64_t> greedy(CausalLMImpl& m, const torch::Tensor& prompt, int steps) {
  torch::NoGradGuard ng;
  auto cache = m.make_cache(1, prompt.size(1) + steps);
  auto logits = m.forward(prompt, &cache);
  std::vector<int64_t> out;
  for (int i = 0; i < steps; ++i) {
    const int64_t next = logits.select(1, -1).argmax(-1).item<int64_t>();
    out.push_back(next);
    logits = m.forward(torch::full({1, 1}, next, torch::kInt64), &cache);
  }
  return out;
}

}  // namespace

class QuantizedModel : public ::testing::TestWithParam<std::string> {
 protected:
  ModelConfig cfg() const {
    if (GetParam() == "qwen2_tied") return qwen_config(true);
    if (GetParam() == "qwen2") return qwen_config(false);
    return deepseek_config();
  }
};

TEST_P(QuantizedModel, LogitsEqualTheDequantizedTwinAndStayCloseToFp32) {
  torch::NoGradGuard ng;
  auto fp32 = build(cfg(), 7);
  auto ids = torch::randint(0, 96, {2, 12}, torch::kInt64);  // 24 rows: the tiled path
  auto ref = fp32->forward(ids);
  std::map<QuantType, double> kl;
  for (auto t : {QuantType::q8_0, QuantType::q4_0}) {
    auto q = clone_model(*fp32);
    QuantizeOptions opt;
    opt.type = t;
    opt.linear = config(r1::kernels::best_kernel_path(), ActivationFormat::q8_0);
    auto rep = quantize_for_inference(*q, opt);
    const std::string name = r1::kernels::quant_type_name(t);
    EXPECT_TRUE(q->lm_head != nullptr && dynamic_cast<QuantLinearImpl*>(q->lm_head.get())) << name;
    EXPECT_EQ(q->model->embed_tokens->weight.scalar_type(), torch::kBFloat16);
    if (GetParam() == "deepseek_v3") {
      EXPECT_FALSE(rep.kept_dense.empty());  // o_proj: 12 inputs
      for (const auto& n : rep.kept_dense) EXPECT_NE(n.find("o_proj"), std::string::npos) << n;
    } else {
      EXPECT_TRUE(rep.kept_dense.empty());
    }
    EXPECT_GT(rep.quantized_bytes, 0);

    // The default kernel (q8_0 activations) against fp32: what --quant gives.
    kl[t] = mean_kl(ref, q->forward(ids));
    // With fp32 activations every path computes with the dequantized weights exactly (prefill: the
    // tiles; MoE experts, which see a few rows each: the block kernel), as the twin does.
    set_linear_config(*q, config(r1::kernels::best_kernel_path(), ActivationFormat::f32));
    auto twin = dequantized_twin(*fp32, *q);
    EXPECT_LT((q->forward(ids) - twin->forward(ids)).abs().max().item<double>(), 1e-4) << name;

    // Batch-1 decode runs the block kernel: with fp32 activations it is the twin up to float
    // summation, token for token; with q8_0 activations (the default) close to it.
    const auto prompt = ids.narrow(0, 0, 1);
    EXPECT_EQ(greedy(*q, prompt, 16), greedy(*twin, prompt, 16)) << name;
    set_linear_config(*q, config(r1::kernels::best_kernel_path(), ActivationFormat::q8_0));
    auto cache_q = q->make_cache(1, 13), cache_t = twin->make_cache(1, 13);
    q->forward(prompt, &cache_q);
    twin->forward(prompt, &cache_t);
    auto step = torch::full({1, 1}, 5, torch::kInt64);
    EXPECT_LT(mean_kl(twin->forward(step, &cache_t), q->forward(step, &cache_q)), 1e-3) << name;
  }
  // int8 is close to fp32, int4 further (4 bits is 16x coarser). Measured on these seeded models:
  // q8_0 1.6e-4 to 2.3e-4, q4_0 0.019 to 0.057 nats per position; the bounds leave ~4x.
  std::cout << GetParam() << ": mean KL to fp32, q8_0 " << kl[QuantType::q8_0] << ", q4_0 " << kl[QuantType::q4_0]
            << "\n";
  EXPECT_LT(kl[QuantType::q8_0] * 5, kl[QuantType::q4_0]);
  EXPECT_LT(kl[QuantType::q8_0], 1e-3);
  EXPECT_LT(kl[QuantType::q4_0], 0.25);
}

// The decode fast path (avx2 kernels, the kernels' own 2-thread team) against the reference path
// (portable scalar kernels, ATen's split): the same greedy tokens, logits within the summation bound.
TEST_P(QuantizedModel, FastDecodePathGivesTheReferencePathsGreedyTokens) {
  if (!r1::kernels::kernel_path_available(KernelPath::avx2)) GTEST_SKIP() << "no AVX2/FMA on this CPU";
  torch::NoGradGuard ng;
  auto fp32 = build(cfg(), 8);
  auto prompt = torch::randint(0, 96, {1, 6}, torch::kInt64);
  for (auto t : {QuantType::q8_0, QuantType::q4_0}) {
    auto quantized = [&](KernelPath path, int threads) {
      auto q = clone_model(*fp32);
      QuantizeOptions opt;
      opt.type = t;
      opt.linear = config(path, ActivationFormat::q8_0);
      opt.linear.threads = threads;
      quantize_for_inference(*q, opt);
      return q;
    };
    auto ref = quantized(KernelPath::reference, 0), fast = quantized(KernelPath::avx2, 2);
    EXPECT_EQ(greedy(*fast, prompt, 16), greedy(*ref, prompt, 16)) << r1::kernels::quant_type_name(t);
    auto a = ref->forward(prompt), b = fast->forward(prompt);
    EXPECT_TRUE(torch::allclose(a, b, 1e-4, 1e-4)) << (a - b).abs().max().item<float>();
  }
}

INSTANTIATE_TEST_SUITE_P(Archs, QuantizedModel, ::testing::Values("qwen2_tied", "qwen2", "deepseek_v3"));

TEST(QuantizedModelBytes, CountsBlocksTheBf16TableAndTheRest) {
  auto m = build(qwen_config(true), 3);
  const int64_t expected_q8 = [&] {
    auto q = clone_model(*m);
    QuantizeOptions opt;
    auto rep = quantize_for_inference(*q, opt);
    int64_t rest = 0;
    for (const auto& p : q->named_parameters()) rest += p.value().numel() * p.value().element_size();
    for (const auto& item : q->named_modules())  // biases moved into the quantized layers
      if (auto* l = dynamic_cast<QuantLinearImpl*>(item.value().get()))
        if (l->dense_bias().defined()) rest += l->dense_bias().numel() * 4;
    return rep.quantized_bytes + rest;
  }();
  EXPECT_EQ(quantized_weight_bytes(*m, QuantizeOptions{}), expected_q8);
  // By hand: 64-wide layers, 34 bytes per 32 weights, the table [96, 64] in bf16 and its head copy.
  const int64_t V = 96, C = 64, I = 96, L = 2, kv = 32;
  const int64_t proj = C * C + kv * C + kv * C + C * C + 2 * I * C;  // q k v o gate up (in = C)
  const int64_t down = C * I;
  const int64_t blocks = (L * (proj + down) + V * C) / 32 * 34;
  const int64_t rest = V * C * 2 + (L * (C + kv + kv) /*q k v bias*/ + L * 2 * C + C) * 4;
  EXPECT_EQ(quantized_weight_bytes(*m, QuantizeOptions{}), blocks + rest);
  QuantizeOptions q4;
  q4.type = QuantType::q4_0;
  q4.head_type = QuantType::q8_0;
  EXPECT_EQ(quantized_weight_bytes(*m, q4), L * (proj + down) / 32 * 18 + V * C / 32 * 34 + rest);
}
