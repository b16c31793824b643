// The sampling half of rejection sampling (R1 stage 3) and of distillation data: k responses per
// problem from a policy, each scored by its task's rule-based verifier. rl/rejection_sampling.h then
// decides which candidates to keep.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/sampling.h"
#include "rl/rejection_sampling.h"
#include "tasks/task.h"

namespace r1::model {
class CausalLMImpl;
}

namespace r1::rl {

struct SampledProblem {
  tasks::Problem problem;
  const tasks::Task* task = nullptr;
  std::vector<int32_t> prompt_ids;  // what the policy is fed
};

struct CandidateSampling {
  int64_t k = 4;                    // responses per problem
  engine::SamplingParams sampling;  // sampling.seed: the seed of the first batch
  int64_t batch_problems = 32;      // problems per generate() call
  int32_t eos_id = -1, pad_id = 0;
};

// k candidates per problem, grouped by problem (problem i's at [i*k, (i+1)*k)). Candidate.prompt is
// the problem's question, .tokens the response length without EOS, and .correct is true only for a
// response that stopped on EOS (a cut-off one cannot be a training target) and that the task's
// verifier accepts. Batch b uses seed sampling.seed + b: the same inputs give the same candidates.
std::vector<Candidate> sample_candidates(model::CausalLMImpl& policy, const std::vector<SampledProblem>& problems,
                                         const std::function<std::string(const std::vector<int32_t>&)>& decode,
                                         const CandidateSampling& cfg, int64_t* generated_tokens = nullptr);

}  // namespace r1::rl
