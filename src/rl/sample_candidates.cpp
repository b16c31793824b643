#include "rl/sample_candidates.h"

#include "engine/generator.h"
#include "model/causal_lm.h"

namespace r1::rl {

std::vector<Candidate> sample_candidates(model::CausalLMImpl& policy, const std::vector<SampledProblem>& problems,
                                         const std::function<std::string(const std::vector<int32_t>&)>& decode,
                                         const CandidateSampling& cfg, int64_t* generated_tokens) {
  engine::GenerationConfig gen;
  gen.sampling = cfg.sampling;
  gen.stop_token_ids = {cfg.eos_id};
  gen.pad_token_id = cfg.pad_id;
  std::vector<Candidate> out;
  out.reserve(problems.size() * cfg.k);
  const size_t n = problems.size(), per_call = static_cast<size_t>(std::max<int64_t>(1, cfg.batch_problems));
  for (size_t start = 0, batch = 0; start < n; start += per_call, ++batch) {
    const size_t end = std::min(n, start + per_call);
    std::vector<std::vector<int32_t>> prompts;
    for (size_t i = start; i < end; ++i) prompts.push_back(problems[i].prompt_ids);
    gen.sampling.seed = cfg.sampling.seed + batch;
    engine::GenerationStats gs;
    auto completions = engine::generate(policy, prompts, cfg.k, gen, &gs);
    if (generated_tokens) *generated_tokens += gs.generated_tokens;
    for (const auto& c : completions) {
      const SampledProblem& sp = problems[start + c.prompt_index];
      std::vector<int32_t> body(c.tokens);
      if (c.stopped && !body.empty()) body.pop_back();
      Candidate cand;
      cand.prompt = sp.problem.question;
      cand.response = decode(body);
      cand.tokens = static_cast<int64_t>(body.size());
      cand.correct = c.stopped && sp.task->score(sp.problem, cand.response).correct;
      out.push_back(std::move(cand));
    }
  }
  return out;
}

}  // namespace r1::rl
