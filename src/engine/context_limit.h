// The context rule every generating caller applies before any work (rollouts, eval, `r1 generate`):
// a prompt that leaves no room for one new token is an error naming it, and max_new_tokens is
// capped at what the longest prompt leaves of the model's context (max_position_embeddings), with a
// note, so a model that never emits EOS cannot run on past the positions it was trained for.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace r1::engine {

struct ContextFit {
  int64_t max_new_tokens = 0;  // what generation may use: min(requested, context - longest prompt)
  bool capped = false;         // true: less than requested
};

// prompts: token ids; context: the model's max_position_embeddings (<= 0: no limit). `where`
// names the caller in errors and notes ("rollout eval/math500"); prompt_name(i) names prompt i
// ("problem 17", "prompt 0"). Throws r1::Error when a prompt has context tokens or more.
ContextFit fit_to_context(const std::vector<std::vector<int32_t>>& prompts, int64_t max_new_tokens, int64_t context,
                          const std::string& where, const std::vector<std::string>& prompt_names = {});

// Logs the cap once per (where, requested, allowed) in this process: a GRPO run generates
// thousands of times with the same settings and should say it once.
void note_context_cap(const std::string& where, int64_t requested, const ContextFit& fit, int64_t context);

}  // namespace r1::engine
