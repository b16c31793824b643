#include "engine/context_limit.h"

#include <mutex>
#include <set>
#include <tuple>

#include "core/error.h"
#include "core/log.h"

namespace r1::engine {

ContextFit fit_to_context(const std::vector<std::vector<int32_t>>& prompts, int64_t max_new_tokens, int64_t context,
                          const std::string& where, const std::vector<std::string>& prompt_names) {
  ContextFit fit{max_new_tokens, false};
  if (context <= 0) return fit;
  int64_t longest = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const int64_t n = static_cast<int64_t>(prompts[i].size());
    const std::string name = i < prompt_names.size() ? prompt_names[i] : "prompt " + std::to_string(i);
    check(n < context, where + ": " + name,
          "has " + std::to_string(n) + " tokens; the model's context (max_position_embeddings) is " +
              std::to_string(context) + ", which leaves no room to generate");
    longest = std::max(longest, n);
  }
  if (longest + max_new_tokens > context) fit = {context - longest, true};
  return fit;
}

void note_context_cap(const std::string& where, int64_t requested, const ContextFit& fit, int64_t context) {
  if (!fit.capped) return;
  static std::mutex mu;
  static std::set<std::tuple<std::string, int64_t, int64_t>> said;
  std::lock_guard<std::mutex> lock(mu);
  if (!said.emplace(where, requested, fit.max_new_tokens).second) return;
  log_info(where + ": max_new_tokens " + std::to_string(requested) + " capped at " + std::to_string(fit.max_new_tokens) +
           " (the model's context of " + std::to_string(context) + " tokens minus the longest prompt)");
}

}  // namespace r1::engine
