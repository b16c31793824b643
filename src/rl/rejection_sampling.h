// Rejection sampling (R1's third stage): of k sampled responses per prompt, keep those that verify
// and read well — the data of the next SFT round. Torch-free (the sampling itself is apps/commands/
// sample.cpp); each filter can be switched off.
//
// A candidate is dropped for the FIRST failing check, in this order (cheapest and most decisive
// first), and counted under that reason:
//   incorrect       the verifier's verdict is false;
//   overlong        more than max_tokens tokens (when known and max_tokens > 0) or max_chars chars;
//   mixed_language  the CoT has words and their share in `language` (rewards/language.h) is below
//                   min_language (a CoT of equations only mixes nothing);
//   repetitive      repeated_ngram_ratio(response, repeat_ngram) above max_repeat_ratio;
//   duplicate       same prompt and same response after whitespace normalisation as a kept one;
//   over_quota      the prompt already has max_per_prompt kept responses.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace r1::rl {

struct Candidate {
  std::string prompt;
  std::string response;
  bool correct = false;
  int64_t tokens = -1;  // response tokens (rollout/scored_rollout.h); -1 = unknown (only max_chars applies)
};

// Config keys, ranges and docs: rl/rejection_schema.h (add every new field there).
struct RejectionConfig {
  std::string language = "en";   // target language of the CoT ("en" | "zh")
  double min_language = 0.95;    // < 0 disables
  int64_t max_tokens = 0;        // 0 disables
  int64_t max_chars = 0;         // 0 disables
  int64_t repeat_ngram = 4;      // n of the repetition measure
  double max_repeat_ratio = 0.4; // >= 1 disables
  bool dedup = true;
  int64_t max_per_prompt = 0;    // 0 = keep every survivor
};

enum class DropReason { kKept, kIncorrect, kOverlong, kMixedLanguage, kRepetitive, kDuplicate, kOverQuota };
const char* drop_reason_name(DropReason r);

struct RejectionStats {
  int64_t total = 0, kept = 0;
  int64_t incorrect = 0, overlong = 0, mixed_language = 0, repetitive = 0, duplicate = 0, over_quota = 0;
  int64_t prompts = 0, prompts_with_kept = 0;
  nlohmann::json to_json() const;
};

// Repetition of a text: 1 - distinct n-grams / all n-grams, over units that are whitespace-separated
// tokens with every CJK character a unit of its own; 0 when there are fewer than n units. A text
// that says everything once scores ~0; "x x x x …" tends to 1; a passage written twice, ~0.5.
double repeated_ngram_ratio(std::string_view text, int64_t n);

// Whitespace runs collapsed to one space, ends trimmed (the dedup key).
std::string normalize_whitespace(std::string_view text);

// The verdict on every candidate (same order), candidates considered in order.
std::vector<DropReason> rejection_filter(const std::vector<Candidate>& candidates, const RejectionConfig& cfg,
                                         RejectionStats* stats = nullptr);

}  // namespace r1::rl
