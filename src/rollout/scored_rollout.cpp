#include "rollout/scored_rollout.h"

#include <algorithm>

#include "core/error.h"
#include "core/seed.h"
#include "engine/context_limit.h"
#include "model/causal_lm.h"

namespace r1::rollout {

std::vector<ScoredSample> rollout_and_score(model::CausalLMImpl& policy, const std::vector<RolloutPrompt>& prompts,
                                            const std::function<std::string(const std::vector<int32_t>&)>& decode,
                                            const RolloutConfig& cfg, engine::GenerationStats* stats) {
  const int64_t G = cfg.samples_per_prompt;
  check(G >= 1, "rollout " + cfg.stream, "samples_per_prompt must be >= 1");
  for (const auto& p : prompts) check(p.task != nullptr, "rollout " + cfg.stream, "a prompt has no task to score it");
  engine::GenerationConfig gen;
  gen.sampling = cfg.sampling;
  if (cfg.eos_id >= 0) gen.stop_token_ids = {cfg.eos_id};
  gen.pad_token_id = cfg.pad_id;
  const size_t n = prompts.size();
  const size_t per_call = cfg.prompts_per_call > 0 ? static_cast<size_t>(cfg.prompts_per_call) : std::max<size_t>(n, 1);
  std::vector<ScoredSample> out;
  out.reserve(n * G);
  for (size_t start = 0; start < n; start += per_call) {
    const size_t end = std::min(n, start + per_call);
    std::vector<std::vector<int32_t>> ids;
    gen.row_seeds.clear();
    for (size_t i = start; i < end; ++i) {
      ids.push_back(prompts[i].ids);
      for (int64_t j = 0; j < G; ++j)
        gen.row_seeds.push_back(derive_seed(cfg.sampling.seed, cfg.stream, {prompts[i].index, static_cast<uint64_t>(j)}));
    }
    std::vector<std::string> names;
    for (size_t i = start; i < end; ++i) {
      const auto id = prompts[i].problem.data.find("id");
      names.push_back(id != prompts[i].problem.data.end() && id->is_string() ? "problem " + id->get<std::string>()
                                                                               : "prompt " + std::to_string(prompts[i].index));
    }
    const int64_t context = policy.config().max_position_embeddings;
    const engine::ContextFit fit =
        engine::fit_to_context(ids, cfg.sampling.max_new_tokens, context, "rollout " + cfg.stream, names);
    engine::note_context_cap("rollout " + cfg.stream, cfg.sampling.max_new_tokens, fit, context);
    gen.sampling.max_new_tokens = fit.max_new_tokens;
    auto completions = engine::generate(policy, ids, G, gen, stats);
    for (size_t r = 0; r < completions.size(); ++r) {
      auto& c = completions[r];
      const RolloutPrompt& p = prompts[start + c.prompt_index];
      ScoredSample s;
      s.prompt = static_cast<int64_t>(start + c.prompt_index);
      s.sample = static_cast<int64_t>(r) % G;
      s.stopped = c.stopped;
      std::vector<int32_t> text_ids(c.tokens.begin(), c.tokens.end() - (c.stopped && !c.tokens.empty() ? 1 : 0));
      s.response = p.response_prefix + decode(text_ids);
      s.score = p.task->score(p.problem, s.response);
      s.tokens = std::move(c.tokens);
      s.logprobs = std::move(c.logprobs);
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace r1::rollout
