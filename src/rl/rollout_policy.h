// The model GRPO samples rollouts from (rl.rollout_quant): the policy itself (none), or a
// weight-quantized copy of it (int8 = Q8_0, int4 = Q4_0 with a Q8_0 head: r1 generate's --quant,
// io/inference_load.h), as a vLLM/SGLang rollout engine serving quantized weights samples while the
// trainer keeps fp32. The copy is re-quantized from the policy's current fp32 weights before the
// first rollout after each optimizer update (the trainer calls policy_updated()), never stale: the
// rollout/training mismatch the trainer measures (rollout_mismatch.h) is then the quantization's
// alone, and rl.mismatch tis|mis corrects it. CPU only, as the quantized kernels are.
#pragma once
#include <string>

#include "model/causal_lm.h"

namespace r1::rl {

class RolloutPolicy {
 public:
  // quant: "none", "int8" or "int4" (an r1::Error naming config key rl.rollout_quant otherwise, or
  // for a policy that is not on the CPU).
  RolloutPolicy(model::CausalLMImpl& policy, const std::string& quant);

  // The model to sample from now: the policy, or its quantized copy (re-quantized first when the
  // policy changed since the last call). In eval mode.
  model::CausalLMImpl& model();
  // The policy's weights changed (an optimizer step, a resumed checkpoint).
  void policy_updated() { stale_ = true; }
  bool quantized() const { return quant_ != "none"; }
  // Times the copy was (re)built.
  int64_t refreshes() const { return refreshes_; }

 private:
  model::CausalLMImpl& policy_;
  std::string quant_;
  model::CausalLM copy_{nullptr};
  bool stale_ = true;
  int64_t refreshes_ = 0;
};

}  // namespace r1::rl
