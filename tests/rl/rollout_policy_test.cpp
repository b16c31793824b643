// rl.rollout_quant's rollout model (rl/rollout_policy.h): none is the policy itself; int8/int4 are a
// quantized copy whose every block equals quantize_for_inference of a deep copy of the policy (the
// in-place quantizer, a path independent of the copy's named-tensor one), which is rebuilt from the
// new weights after policy_updated() and only then.
#include "rl/rollout_policy.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "common/tiny_model.h"
#include "core/error.h"
#include "io/inference_load.h"
#include "model/quant_linear.h"
#include "model/quantize_model.h"

namespace r1::rl {
namespace {

// Every quantized layer's dequantized weight by module name.
std::map<std::string, torch::Tensor> quantized_weights(model::CausalLMImpl& m) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : m.named_modules())
    if (auto* q = dynamic_cast<model::QuantLinearImpl*>(item.value().get())) out[item.key()] = q->dense_weight();
  if (auto* q = dynamic_cast<model::QuantLinearImpl*>(m.lm_head.get())) out["lm_head"] = q->dense_weight();
  return out;
}

// What --quant gives for the policy's current weights, by the in-place route.
model::CausalLM expected_copy(const model::CausalLMImpl& policy, io::WeightQuant quant) {
  auto m = model::clone_model(policy);
  io::InferenceLoad load;
  load.quant = quant;
  model::quantize_for_inference(*m, io::quantize_options(load));
  m->eval();
  return m;
}

void expect_same_model(model::CausalLMImpl& got, model::CausalLMImpl& want, const std::string& what) {
  torch::NoGradGuard ng;
  const auto a = quantized_weights(got), b = quantized_weights(want);
  ASSERT_EQ(a.size(), b.size()) << what;
  ASSERT_GT(a.size(), 4u) << what;  // every projection and the head
  for (const auto& [name, w] : b) {
    ASSERT_TRUE(a.count(name)) << what << ": " << name;
    EXPECT_TRUE(torch::equal(a.at(name), w)) << what << ": " << name;
  }
  const auto ids = torch::tensor({{3, 1, 4, 1, 5, 9, 2, 6}}, torch::kInt64);
  EXPECT_TRUE(torch::equal(got.forward(ids), want.forward(ids))) << what;
}

TEST(RolloutPolicy, NoneSamplesFromThePolicyItself) {
  auto policy = test::tiny_qwen2(64, 32, 1);
  RolloutPolicy rp(*policy, "none");
  EXPECT_FALSE(rp.quantized());
  EXPECT_EQ(&rp.model(), policy.get());
  EXPECT_EQ(rp.refreshes(), 0);
}

TEST(RolloutPolicy, QuantizedCopyIsRebuiltFromTheUpdatedWeights) {
  for (auto [name, quant] : {std::pair{"int8", io::WeightQuant::int8}, std::pair{"int4", io::WeightQuant::int4}}) {
    auto policy = test::tiny_qwen2(64, 32, 2);
    RolloutPolicy rp(*policy, name);
    ASSERT_TRUE(rp.quantized());
    auto* first = &rp.model();
    EXPECT_NE(first, policy.get());
    auto before = expected_copy(*policy, quant);
    expect_same_model(*first, *before, std::string(name) + " before the update");
    EXPECT_EQ(rp.refreshes(), 1);

    // An update: every parameter moves (as an optimizer step moves them).
    {
      torch::NoGradGuard ng;
      torch::manual_seed(5);
      for (auto& p : policy->parameters()) p.add_(torch::randn_like(p) * 0.05);
    }
    // Not told: the copy is kept (the trainer signals every update).
    expect_same_model(rp.model(), *before, std::string(name) + " not yet refreshed");
    EXPECT_EQ(rp.refreshes(), 1);

    rp.policy_updated();
    auto after = expected_copy(*policy, quant);
    expect_same_model(rp.model(), *after, std::string(name) + " after the update");
    EXPECT_EQ(rp.refreshes(), 2);
    // The update really changed the blocks.
    EXPECT_FALSE(torch::equal(quantized_weights(*after).at("lm_head"), quantized_weights(*before).at("lm_head")));
    rp.model();
    EXPECT_EQ(rp.refreshes(), 2);  // no update, no requantization
  }
}

TEST(RolloutPolicy, RefusesAnUnknownFormat) {
  auto policy = test::tiny_qwen2(64, 32, 3);
  EXPECT_THROW(RolloutPolicy(*policy, "int3"), Error);
}

}  // namespace
}  // namespace r1::rl
