// The tokenizer.json of a byte-level BPE model in the layout Hugging Face's `tokenizers` writes, for
// the tokenizers r1cpp builds itself: one trained here (text/bpe_trainer.h) and one rebuilt from a
// GGUF's metadata (io/gguf_tokenizer.h). The parts that differ between them are the arguments.
#pragma once
#include <nlohmann/json.hpp>

namespace r1::text {

struct ByteLevelBpeParts {
  nlohmann::json added_tokens = nlohmann::json::array();
  nlohmann::json normalizer;      // null: none
  nlohmann::json pre_tokenizer;
  nlohmann::json post_processor;  // null: none
  nlohmann::json decoder;
  nlohmann::json vocab;           // {"token": id, ...}
  nlohmann::json merges;          // ["a b", ...]
  bool ignore_merges = false;     // Llama 3: a word that is itself a vocabulary entry is not merged
};

inline nlohmann::json byte_level_bpe_json(const ByteLevelBpeParts& p) {
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", p.added_tokens},
          {"normalizer", p.normalizer},
          {"pre_tokenizer", p.pre_tokenizer},
          {"post_processor", p.post_processor},
          {"decoder", p.decoder},
          {"model",
           {{"type", "BPE"},
            {"dropout", nullptr},
            {"unk_token", nullptr},
            {"continuing_subword_prefix", ""},
            {"end_of_word_suffix", ""},
            {"fuse_unk", false},
            {"byte_fallback", false},
            {"ignore_merges", p.ignore_merges},
            {"vocab", p.vocab},
            {"merges", p.merges}}}};
}

}  // namespace r1::text
