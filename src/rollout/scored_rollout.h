// The one path from prompts to scored samples, shared by GRPO, task evaluation, benchmark
// evaluation and rejection sampling: generate G samples per prompt (one prefill per prompt) → cut
// the EOS → the forced response prefix + the decoded text → the task's score.
//
// One definition of each quantity, used everywhere:
//   response       = the forced prefix + the decoded sampled tokens, EOS excluded (it is not text).
//                    The prefix is scored as part of the response (the R1 chat prompt's "<think>\n"
//                    opens the think block the format reward checks), but it is in the prompt ids,
//                    so it is never sampled nor trained on.
//   response_tokens = the sampled tokens, the EOS included when the sample stopped on it; the
//                    forced prefix excluded. These are the tokens the policy chose and the loss is
//                    taken on (TRL's completion_length counts the same: its completion mask keeps
//                    the EOS), and what a max_new_tokens budget counts.
//   randomness     = sample j of the prompt with global index i is drawn from its own generator
//                    seeded derive_seed(sampling.seed, stream, {i, j}) (core/seed.h): the same sample
//                    whatever batch, rank or prompts_per_call it is generated in.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/generator.h"
#include "tasks/task.h"

namespace r1::model {
class CausalLMImpl;
}

namespace r1::rollout {

// One prompt to sample from and the problem its samples are scored against.
struct RolloutPrompt {
  std::vector<int32_t> ids;     // what the policy is fed; ends with the encoded response_prefix
  std::string response_prefix;  // the forced start of every response ("<think>\n", "<answer>", "")
  tasks::Problem problem;
  const tasks::Task* task = nullptr;
  uint64_t index = 0;           // the prompt's global index in its stream (seeds its samples)
};

struct ScoredSample {
  int64_t prompt = 0;            // position of its prompt in the prompts given
  int64_t sample = 0;            // j in [0, G): position within the prompt's group
  std::vector<int32_t> tokens;   // sampled ids, the EOS included when the sample stopped on it
  std::vector<float> logprobs;   // per token: its log-prob under the sampling distribution
  bool stopped = false;          // ended on the EOS (false: cut at max_new_tokens)
  std::string response;          // response_prefix + decoded tokens (EOS excluded)
  tasks::Score score;            // the task's verdict on `response`
  int64_t response_tokens() const { return static_cast<int64_t>(tokens.size()); }
};

struct RolloutConfig {
  engine::SamplingParams sampling;  // sampling.seed: the run seed of the stream
  std::string stream = "rollout";   // seed stream name ("grpo", "eval/running_sum", ...)
  int64_t samples_per_prompt = 1;   // G
  int64_t prompts_per_call = 0;     // prompts per generate() call (bounds memory); 0 = all at once
  int32_t eos_id = -1;              // stop token; -1 = none (every sample runs max_new_tokens)
  int32_t pad_id = 0;
};

// prompts.size() * G scored samples, grouped by prompt (prompt i's at [i*G, (i+1)*G)).
std::vector<ScoredSample> rollout_and_score(model::CausalLMImpl& policy, const std::vector<RolloutPrompt>& prompts,
                                            const std::function<std::string(const std::vector<int32_t>&)>& decode,
                                            const RolloutConfig& cfg, engine::GenerationStats* stats = nullptr);

}  // namespace r1::rollout
