// A compiled PCRE2 pattern in UTF + UCP mode (\p{L}, \s, \w use Unicode properties), the engine
// used for the Split pre-tokenizer patterns of the Qwen2/Llama-3/DeepSeek families (std::regex has
// no \p{..} and is slow). JIT-compiled when available. Thread-safe: matching allocates its own
// match data.
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

 private:
  struct Code;
  std::string pattern_;
  std::shared_ptr<Code> code_;
};

// Escapes a literal string for use inside a PCRE2 pattern.
std::string regex_escape(std::string_view literal);

}  // namespace r1::text
