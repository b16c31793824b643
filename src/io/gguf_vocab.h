// A Hugging Face byte-level BPE tokenizer (tokenizer.json + tokenizer_config.json + config.json) as
// GGUF tokenizer metadata, the way llama.cpp's convert_hf_to_gguf.py writes it (get_vocab_base,
// _set_vocab_gpt2 and gguf-py's SpecialVocab):
//   tokenizer.ggml.model      "gpt2"
//   tokenizer.ggml.pre        the pre-tokenizer llama.cpp should apply, recognized from the
//                             pre_tokenizer's regex: Qwen2's -> "qwen2", Llama-3's -> "llama-bpe",
//                             GPT-2's ByteLevel(use_regex) -> "gpt-2" (convert_hf_to_gguf.py
//                             recognizes them by hashing a tokenization; the regex is what differs)
//   tokenizer.ggml.tokens     one string per id 0..vocab_size-1 (ids absent from the tokenizer:
//                             "[PAD<id>]"); model tokens in their byte-level form, added tokens as
//                             their content
//   tokenizer.ggml.token_type NORMAL 1, CONTROL 3 (special added tokens, and ones that look special:
//                             "<|...|>", "<｜...｜>"), USER_DEFINED 4 (other added tokens), UNUSED 5
//   tokenizer.ggml.merges     "left right" per merge (spaces inside a part written as U+0120)
//   tokenizer.ggml.{bos,eos,unknown,seperator,padding,cls,mask}_token_id  from tokenizer_config.json's
//                             *_token, then config.json's *_token_id (first found wins)
//   tokenizer.ggml.add_bos_token / add_eos_token  from tokenizer_config.json, else from a
//                             TemplateProcessing post-processor (a special token first / last)
//   tokenizer.chat_template   tokenizer_config.json's chat_template
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "io/gguf_format.h"

namespace r1::io::gguf {

// The tokenizer.ggml.pre name for tokenizer.json's pre_tokenizer, or "" when it is none of the
// above.
std::string llama_pre_tokenizer_name(const nlohmann::json& tokenizer_json);

struct VocabSources {
  nlohmann::json tokenizer;         // tokenizer.json
  nlohmann::json tokenizer_config;  // tokenizer_config.json, or null
  nlohmann::json config;            // config.json
  int64_t vocab_size = 0;           // rows of the embedding: the token list is padded to this
  // tokenizer.ggml.pre: "auto" detects it as above (an error when unrecognized); any other value is
  // written as given (one of llama.cpp's names, e.g. "deepseek-v3", "default").
  std::string pre_tokenizer = "auto";
  std::string where;                // the checkpoint directory, for errors
};

std::vector<std::pair<std::string, Value>> vocab_metadata(const VocabSources& src);

}  // namespace r1::io::gguf
