// The sampling half of rejection sampling (R1 stage 3) and of distillation data: k responses per
// problem from a policy, each scored by its task's rule-based verifier (the one rollout path,
// rollout/scored_rollout.h). rl/rejection_sampling.h then decides which candidates to keep.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rl/rejection_sampling.h"
#include "rollout/scored_rollout.h"

namespace r1::model {
class CausalLMImpl;
}

namespace r1::rl {

// k candidates per problem, grouped by problem (problem i's at [i*k, (i+1)*k)). Candidate.prompt is
// the problem's question, .response the scored response (forced prefix + sampled text), .tokens its
// response_tokens, and .correct is true only for a response that stopped on EOS (a cut-off one
// cannot be a training target) and that the task's verifier accepts. cfg.samples_per_prompt is k;
// problem i's samples are seeded by (cfg.sampling.seed, cfg.stream, problems[i].index), so the same
// inputs give the same candidates whatever cfg.prompts_per_call is.
std::vector<Candidate> sample_candidates(model::CausalLMImpl& policy, const std::vector<rollout::RolloutPrompt>& problems,
                                         const std::function<std::string(const std::vector<int32_t>&)>& decode,
                                         const rollout::RolloutConfig& cfg, int64_t* generated_tokens = nullptr);

}  // namespace r1::rl
