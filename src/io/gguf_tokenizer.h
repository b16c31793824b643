// A GGUF file's tokenizer back as a Hugging Face tokenizer.json and the tokenizer_config.json keys
// r1cpp reads — the inverse of io/gguf_vocab.h, for byte-level BPE files (tokenizer.ggml.model
// "gpt2": Qwen2, Llama-3, the R1 distills).
//
// A GGUF holds the vocabulary, merges, token types and special ids, but of the pre-tokenizer only
// its name (tokenizer.ggml.pre), never the regex or a normalizer. So the tokenizer is rebuilt for
// the names r1cpp knows, grouped as llama.cpp's llama-vocab.cpp groups them, with what the model
// family's own tokenizer.json has:
//   qwen2, deepseek-r1-qwen        Split(Qwen2 regex, Isolated) + ByteLevel; NFC normalizer
//   llama-bpe, llama3, llama-v3    Split(Llama-3 regex, Isolated) + ByteLevel; ignore_merges
//   gpt-2                          ByteLevel(use_regex: the GPT-2 regex); no normalizer
// (io/gguf_vocab.h writes qwen2, llama-bpe and gpt-2.) Tokens of type NORMAL/UNKNOWN/BYTE form the
// BPE vocabulary; CONTROL tokens become special added tokens, USER_DEFINED ones non-special added
// tokens, UNUSED ones (export's "[PAD<id>]" padding) are dropped. add_bos_token (with a BOS id)
// becomes a TemplateProcessing post-processor that prepends it, as Llama-3's; otherwise ByteLevel.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/gguf_format.h"

namespace r1::io::gguf {

// The tokenizer.ggml.pre names rebuilt above.
const std::vector<std::string>& rebuildable_pre_tokenizers();

// tokenizer.json rebuilt from `h` (of file `path`). An r1::Error naming the file and the key
// (tokenizer.ggml.model absent or not gpt2, tokenizer.ggml.pre unknown, tokens and types of
// different lengths) that says to pass --tokenizer PATH (a tokenizer.json) instead.
nlohmann::json tokenizer_json_of(const Header& h, const std::string& path);

// tokenizer_config.json's keys from the metadata: bos/eos/unk/pad_token (the tokens' text),
// add_bos_token / add_eos_token, chat_template. Empty object when the file has none of them.
nlohmann::json tokenizer_config_of(const Header& h);

}  // namespace r1::io::gguf
