// Byte-level BPE training (the HF BpeTrainer algorithm): count pre-tokenized words, then repeatedly
// merge the most frequent adjacent pair (ties: the smaller (left id, right id) pair) until the vocab
// is full, the merge budget is spent, or the best pair is rarer than min_frequency.
//
// The output is a complete tokenizer.json in the Qwen2 layout: ids 0..255 are the byte characters
// (GPT-2 order), then one id per merge, then the added tokens; NFC normalizer; Split(regex,
// Isolated) + ByteLevel(add_prefix_space=false, use_regex=false) pre-tokenizer; ByteLevel decoder.
// With the default Qwen2 regex every digit is its own pre-token, so numbers are never merged —
// what arithmetic tasks want.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "text/tokenizer.h"

namespace r1::text {

enum class PreTokenizerKind {
  Qwen2,          // Split(Qwen2 regex) + ByteLevel(use_regex=false): single digits
  Llama3,         // Split(Llama-3 regex) + ByteLevel(use_regex=false): digit runs of <= 3
  Gpt2ByteLevel,  // ByteLevel(use_regex=true): the GPT-2 regex
};

// Config keys, ranges and docs: text/bpe_trainer_schema.h (add every new field there).
struct BpeTrainerConfig {
  // Total number of ids (256 byte tokens + merged tokens + added tokens). Used when num_merges < 0.
  int64_t vocab_size = 0;
  // When >= 0: learn exactly this many merges (fewer if the corpus runs out of pairs).
  int64_t num_merges = -1;
  // A pair seen fewer times than this is never merged.
  int64_t min_frequency = 2;
  // Added tokens with special=true (dropped by decode(skip_special_tokens)), e.g. "<|endoftext|>".
  std::vector<std::string> special_tokens;
  // Added tokens with special=false (kept on decode), e.g. "<think>", "</think>".
  std::vector<std::string> added_tokens;
  PreTokenizerKind pre_tokenizer = PreTokenizerKind::Qwen2;
  bool nfc = true;  // NFC normalizer, as Qwen2's tokenizer.json has
  // When non-empty (must be one of special_tokens): a TemplateProcessing post-processor prepends it
  // on encode(add_special_tokens=true). Empty: ByteLevel post-processor (no BOS), as Qwen2.
  std::string bos_token;
};

Tokenizer train_bpe(const std::vector<std::string>& corpus, const BpeTrainerConfig& cfg);

PreTokenizerKind parse_pre_tokenizer_kind(const std::string& name);  // "qwen2", "llama3", "gpt2"

}  // namespace r1::text
