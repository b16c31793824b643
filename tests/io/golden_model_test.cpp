// Golden tests, llm.c style: tiny Qwen2 (with YaRN) and DeepSeek-V3 (MLA + MoE + MTP + YaRN)
// checkpoints whose logits, loss, every parameter's gradient, per-layer named intermediates and the
// loss over ten AdamW steps were computed by an independent implementation written from Hugging
// Face's modeling code (tests/io/golden/make_golden.py; it shares no code with r1cpp). The C++ side
// loads the same checkpoint directory through io::load_model_dir, so the config mapping, the tensor
// names and the numerics are checked together.
//
// Tolerances, relative to each tensor's largest value (at least 1). The reference runs in float64
// from the fp32 weights and stores fp32 results.
//   fp64 run: the fixture's fp32 rounding (6e-8) and RoPE angles, which r1cpp takes in fp32
//     (~1e-7 in cos/sin): 2e-6 for intermediates, logits, loss, gradients and the ten losses
//     (measured here: at most 1.3e-7 and 3.8e-8).
//   fp32 run (what CPU training uses): fp32 rounding through two layers and back, which another
//     BLAS may order differently: 5e-5 per tensor, 2e-5 on the ten losses (measured: 2.5e-6, 3e-7).
// A wrong formula (a missing attention factor, a transposed head order, the wrong eps) is orders of
// magnitude outside the fp64 bound; the test prints the worst difference it saw.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "io/model_dir.h"
#include "io/safetensors.h"
#include "model/mla.h"
#include "model/moe.h"
#include "model/mtp.h"

namespace r1::io {
namespace {

struct Golden {
  LoadedModel loaded;
  TensorMap expected;
};

Golden load_golden(const std::string& arch, at::ScalarType dtype) {
  const std::string dir = std::string(R1_SOURCE_DIR) + "/tests/io/golden/" + arch;
  return {load_model_dir(dir, dtype), load_safetensors(dir + "/expected.safetensors")};
}

// The reference's loss: next-token cross-entropy, plus for DeepSeek-V3 the MTP loss and every MoE
// layer's balance loss.
torch::Tensor golden_loss(model::CausalLMImpl& m, const torch::Tensor& ids, torch::Tensor* logits_out = nullptr) {
  const int64_t T = ids.size(1);
  auto hidden = m.hidden_states(ids);  // [B, T, C]
  auto logits = m.logits(hidden);      // [B, T, V]
  if (logits_out) *logits_out = logits;
  auto loss = torch::nn::functional::cross_entropy(logits.narrow(1, 0, T - 1).reshape({-1, logits.size(-1)}),
                                                   ids.narrow(1, 1, T - 1).reshape({-1}));
  auto mtp = model::mtp_loss(m, ids, hidden);  // before moe_balance_loss, which reads its MoE forward
  return loss + mtp + model::moe_balance_loss(m);
}

// max |a - b| <= rel * max(1, max |b|); returns max |a - b| / max(1, max |b|) (the worst seen is
// printed, so the margin to the tolerance shows in the test log).
double expect_close(const torch::Tensor& got, const torch::Tensor& want, double rel, const std::string& what) {
  EXPECT_EQ(got.sizes(), want.sizes()) << what;
  if (got.sizes() != want.sizes()) return INFINITY;
  auto g = got.detach().to(torch::kFloat64), w = want.to(torch::kFloat64);
  const double scale = std::max(1.0, w.abs().max().item<double>());
  const double diff = (g - w).abs().max().item<double>();
  EXPECT_LE(diff, rel * scale) << what << ": max |diff| " << diff << " for max |value| " << scale;
  return diff / scale;
}

const char* dtype_name(at::ScalarType t) { return t == torch::kFloat64 ? "fp64" : "fp32"; }

void check_forward_and_gradients(const std::string& arch, at::ScalarType dtype, double rel) {
  SCOPED_TRACE(arch + " " + dtype_name(dtype));
  auto g = load_golden(arch, dtype);
  auto& m = *g.loaded.model;
  const auto ids = g.expected.at("ids");
  double worst = 0;

  // Named intermediates, in forward order: the first one off names where the two models part.
  std::vector<std::pair<std::string, torch::Tensor>> seen;
  m.set_intermediate_callback([&](const torch::Tensor& t, const std::string& name, int64_t il) {
    seen.emplace_back("inter." + std::to_string(il) + "." + name, t.detach().clone());
  });
  torch::Tensor logits;
  auto loss = golden_loss(m, ids, &logits);
  m.set_intermediate_callback({});
  size_t compared = 0;
  for (const auto& [name, t] : seen) {
    auto it = g.expected.find(name);
    ASSERT_NE(it, g.expected.end()) << "the reference has no " << name;
    worst = std::max(worst, expect_close(t, it->second, rel, name));
    if (::testing::Test::HasFailure()) FAIL() << "first divergence at " << name;
    ++compared;
  }
  size_t in_fixture = 0;
  for (const auto& [name, t] : g.expected) in_fixture += name.rfind("inter.", 0) == 0;
  EXPECT_EQ(compared, in_fixture) << "every intermediate the reference recorded is compared";

  worst = std::max(worst, expect_close(logits, g.expected.at("logits"), rel, "logits"));
  worst = std::max(worst, expect_close(loss.reshape({1}), g.expected.at("loss"), rel, "loss"));

  m.zero_grad();
  loss.backward();
  size_t grads = 0;
  for (const auto& p : m.named_parameters()) {
    auto it = g.expected.find("grad." + p.key());
    ASSERT_NE(it, g.expected.end()) << "no reference gradient for " << p.key();
    ASSERT_TRUE(p.value().grad().defined()) << p.key() << " got no gradient";
    worst = std::max(worst, expect_close(p.value().grad(), it->second, rel, "grad." + p.key()));
    ++grads;
  }
  std::printf("%s %s: %zu intermediates, logits, loss and %zu gradients; worst relative difference %.1e "
              "(tolerance %.0e)\n", arch.c_str(), dtype_name(dtype), compared, grads, worst, rel);
  size_t expected_grads = 0;
  for (const auto& [name, t] : g.expected) expected_grads += name.rfind("grad.", 0) == 0;
  EXPECT_EQ(grads, expected_grads) << "the model and the reference have the same parameters";
}

void check_adamw_trajectory(const std::string& arch, at::ScalarType dtype, double rel) {
  SCOPED_TRACE(arch + " " + dtype_name(dtype));
  auto g = load_golden(arch, dtype);
  auto& m = *g.loaded.model;
  const auto ids = g.expected.at("ids");
  double worst = 0;
  const auto expected = g.expected.at("losses").to(torch::kFloat64);
  // The reference's torch.optim.AdamW(lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1).
  torch::optim::AdamW opt(m.parameters(),
                          torch::optim::AdamWOptions(1e-2).betas({0.9, 0.95}).eps(1e-8).weight_decay(0.1));
  for (int64_t step = 0; step < expected.numel(); ++step) {
    opt.zero_grad();
    auto loss = golden_loss(m, ids);
    const double want = expected[step].item<double>(), scale = std::max(1.0, std::abs(want));
    EXPECT_NEAR(loss.item<double>(), want, rel * scale) << "step " << step;
    worst = std::max(worst, std::abs(loss.item<double>() - want) / scale);
    loss.backward();
    opt.step();
  }
  std::printf("%s %s: losses %.4f -> %.4f over %ld AdamW steps; worst relative difference %.1e (tolerance %.0e)\n",
              arch.c_str(), dtype_name(dtype), expected[0].item<double>(), expected[expected.numel() - 1].item<double>(),
              expected.numel(), worst, rel);
}

TEST(GoldenModel, Qwen2MatchesTheReference) {
  check_forward_and_gradients("qwen2", torch::kFloat64, 2e-6);
  check_forward_and_gradients("qwen2", torch::kFloat32, 5e-5);
}

TEST(GoldenModel, DeepSeekV3MatchesTheReference) {
  check_forward_and_gradients("deepseek_v3", torch::kFloat64, 2e-6);
  check_forward_and_gradients("deepseek_v3", torch::kFloat32, 5e-5);
}

TEST(GoldenModel, DeepSeekV3AbsorbedAttentionMatchesTheReference) {
  auto g = load_golden("deepseek_v3", torch::kFloat64);
  model::set_mla_path(*g.loaded.model, model::MLAPath::absorbed);
  torch::NoGradGuard ng;
  (void)expect_close(g.loaded.model->forward(g.expected.at("ids")), g.expected.at("logits"), 2e-6, "absorbed logits");
}

TEST(GoldenModel, Qwen2TenAdamWSteps) {
  check_adamw_trajectory("qwen2", torch::kFloat64, 2e-6);
  check_adamw_trajectory("qwen2", torch::kFloat32, 2e-5);
}

TEST(GoldenModel, DeepSeekV3TenAdamWSteps) {
  check_adamw_trajectory("deepseek_v3", torch::kFloat64, 2e-6);
  check_adamw_trajectory("deepseek_v3", torch::kFloat32, 2e-5);
}

}  // namespace
}  // namespace r1::io
