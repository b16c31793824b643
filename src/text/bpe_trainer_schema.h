// The config schema of BpeTrainerConfig (core/schema.h), as `r1 tokenizer train` takes it.
#pragma once
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/schema.h"
#include "text/bpe_trainer.h"

namespace r1::text {

inline const std::vector<std::pair<PreTokenizerKind, std::string>>& enum_names(PreTokenizerKind) {
  static const std::vector<std::pair<PreTokenizerKind, std::string>> names = {
      {PreTokenizerKind::Qwen2, "qwen2"}, {PreTokenizerKind::Llama3, "llama3"}, {PreTokenizerKind::Gpt2ByteLevel, "gpt2"}};
  return names;
}

template <class V>
void visit_fields(V& v, BpeTrainerConfig& c) {
  using namespace r1::schema;
  v.field("vocab_size", c.vocab_size, "total ids: 256 byte tokens + merges + added tokens (used when num_merges < 0)",
          at_least(0));
  v.field("num_merges", c.num_merges, "learn exactly this many merges instead (-1 = fill vocab_size)", at_least(-1));
  v.field("min_frequency", c.min_frequency, "never merge a pair seen fewer times", at_least(1));
  v.field("special_tokens", c.special_tokens, "special added tokens (dropped by skip_special_tokens), e.g. <|endoftext|>");
  v.field("added_tokens", c.added_tokens, "non-special added tokens, e.g. <think>");
  v.field("pre_tokenizer", c.pre_tokenizer, "qwen2: single digits; llama3: digit runs of <= 3; gpt2: the GPT-2 regex");
  v.field("nfc", c.nfc, "NFC normalizer, as Qwen2's tokenizer.json has");
  v.field("bos_token", c.bos_token, "a special token prepended by add_special_tokens (\"\" = none)");
  v.require(c.num_merges >= 0 || c.vocab_size > 0, "vocab_size", "give vocab_size > 0 or num_merges >= 0");
  v.require(c.num_merges >= 0 || c.vocab_size >= 256 + static_cast<int64_t>(c.special_tokens.size() + c.added_tokens.size()),
            "vocab_size", "must hold the 256 byte tokens and every added token");
  v.require(c.bos_token.empty() ||
                std::find(c.special_tokens.begin(), c.special_tokens.end(), c.bos_token) != c.special_tokens.end(),
            "bos_token", "must be one of special_tokens");
}

}  // namespace r1::text
