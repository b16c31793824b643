// A compiled PCRE2 pattern in UTF + UCP mode (\p{L}, \s, \w use Unicode properties), the engine
// used for the Split pre-tokenizer patterns of the Qwen2/Llama-3/DeepSeek families and for the
// answer-extraction patterns of rewards/math (std::regex has no \p{..}, lookbehind or lazy
// quantifiers done right, and is slow). JIT-compiled when available. Thread-safe: matching
// allocates its own match data.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace r1::text {

class Regex {
 public:
  // `where` names the pattern's origin for errors (e.g. "tokenizer.json pre_tokenizer Split").
  Regex(const std::string& pattern, const std::string& where);
  // Non-overlapping matches, left to right, as [begin, end) byte offsets; input must be valid
  // UTF-8. Empty matches are skipped.
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text) const;
  const std::string& pattern() const { return pattern_; }

  // A match with its capture groups: spans[0] is the whole match, spans[k] group k, {npos, npos}
  // for a group that took no part.
  struct Match {
    std::vector<std::pair<size_t, size_t>> spans;
    bool has(int group) const { return group > 0 && static_cast<size_t>(group) < spans.size() && spans[group].first != std::string_view::npos; }
  };
  struct Matches {
    std::vector<Match> matches;
    bool limit_hit = false;  // the backtracking bound (match_limit) ended the scan early
  };
  // Non-overlapping matches left to right with their groups, as Python's re.finditer yields them
  // (an empty match advances one code point). `match_limit` bounds PCRE2's backtracking per
  // attempt (0 = PCRE2's default); hitting it ends the scan with limit_hit set instead of throwing.
  // Input must be valid UTF-8.
  Matches match_all(std::string_view text, uint32_t match_limit = 0) const;
  // The number of a named group; -1 when the pattern has none of that name.
  int group_number(const std::string& name) const;

 private:
  struct Code;
  std::string pattern_;
  std::shared_ptr<Code> code_;
};

// Escapes a literal string for use inside a PCRE2 pattern.
std::string regex_escape(std::string_view literal);

}  // namespace r1::text
