#include "rl/rollout_policy.h"

#include <torch/torch.h>

#include "core/error.h"
#include "io/checkpoint.h"
#include "io/inference_load.h"

namespace r1::rl {

namespace {

io::WeightQuant parse_rollout_quant(const std::string& name) {
  for (const auto& [q, n] : io::enum_names(io::WeightQuant{}))
    if (n == name) return q;
  throw Error("config key rl.rollout_quant", "unknown value \"" + name + "\" (none, int8, int4)");
}

}  // namespace

RolloutPolicy::RolloutPolicy(model::CausalLMImpl& policy, const std::string& quant) : policy_(policy), quant_(quant) {
  parse_rollout_quant(quant);
  check(!quantized() || policy.device().is_cpu(), "config key rl.rollout_quant",
        "quantized rollouts run on the CPU (the quantized kernels are CPU ones); the policy is on " +
            policy.device().str() + ": use rl.rollout_quant none there");
}

model::CausalLMImpl& RolloutPolicy::model() {
  if (!quantized()) {
    policy_.eval();
    return policy_;
  }
  if (stale_ || !copy_) {
    torch::NoGradGuard ng;
    io::InferenceLoad load;
    load.quant = parse_rollout_quant(quant_);
    // Zero-copy views of the live parameters: only the blocks and the small tensors are new memory.
    copy_ = io::quantized_model(policy_.config(), io::named_tensors_of(policy_), io::quantize_options(load),
                                "rl.rollout_quant " + quant_ + " copy of the policy");
    copy_->eval();
    stale_ = false;
    ++refreshes_;
  }
  return *copy_;
}

}  // namespace r1::rl
