// Pre-tokenizers of tokenizer.json ("pre_tokenizer"): Split (String or PCRE2 Regex pattern, all
// five behaviors, invert), ByteLevel (add_prefix_space, use_regex with the GPT-2 pattern), Digits,
// Whitespace, WhitespaceSplit, Sequence. Nested Sequences are flattened into one list of steps.
//
// Byte-level shortcut: when the last step is ByteLevel, its byte->char mapping is deferred and
// the pieces stay raw UTF-8 bytes (byte_output() is true); the BPE model then starts from byte ids
// directly, which avoids re-encoding every piece and lets the word cache key on raw bytes.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace r1::text {

class PreTokenizerStep {
 public:
  virtual ~PreTokenizerStep() = default;
  // Splits (and may rewrite) every piece of `in`, appending results to `out`. `last` tells a
  // ByteLevel step that it may defer its mapping.
  virtual void apply(std::vector<std::string>& in, std::vector<std::string>& out,
                     bool last) const = 0;
  virtual bool is_byte_level() const { return false; }
};

class PreTokenizer {
 public:
  // Null JSON: no pre-tokenization (the whole text is one piece).
  static PreTokenizer from_json(const nlohmann::json& j, const std::string& where);
  // Pieces of `text` (valid UTF-8) in order; empty pieces are dropped.
  std::vector<std::string> run(std::string_view text) const;
  bool byte_output() const { return byte_output_; }

 private:
  std::vector<std::shared_ptr<const PreTokenizerStep>> steps_;
  bool byte_output_ = false;
};

// The Qwen2 Split regex (also used by Qwen2.5/Qwen3 and R1-Distill-Qwen); digits split singly.
extern const char* const kQwen2SplitRegex;
// The Llama-3 Split regex (digit runs of up to 3).
extern const char* const kLlama3SplitRegex;
// The GPT-2 regex applied by ByteLevel with use_regex=true.
extern const char* const kGpt2Regex;

}  // namespace r1::text
