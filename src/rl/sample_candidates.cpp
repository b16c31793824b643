#include "rl/sample_candidates.h"

namespace r1::rl {

std::vector<Candidate> sample_candidates(model::CausalLMImpl& policy, const std::vector<rollout::RolloutPrompt>& problems,
                                         const std::function<std::string(const std::vector<int32_t>&)>& decode,
                                         const rollout::RolloutConfig& cfg, int64_t* generated_tokens) {
  engine::GenerationStats gs;
  auto samples = rollout::rollout_and_score(policy, problems, decode, cfg, &gs);
  if (generated_tokens) *generated_tokens += gs.generated_tokens;
  std::vector<Candidate> out;
  out.reserve(samples.size());
  for (auto& s : samples) {
    Candidate c;
    c.prompt = problems[s.prompt].problem.question;
    c.tokens = s.response_tokens();
    c.correct = s.stopped && s.score.correct;
    c.response = std::move(s.response);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace r1::rl
