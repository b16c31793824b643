// The tiny chat tokenizer the SFT and resume tests train: byte-level BPE on a few chat lines, with
// <|bos|> and <|eos|> as special tokens and <|bos|> as the BOS its post-processor adds.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "text/bpe_trainer.h"

namespace r1::test {

inline text::Tokenizer chat_bpe(const std::vector<std::string>& corpus, int64_t merges,
                                std::vector<std::string> added_tokens = {}) {
  text::BpeTrainerConfig c;
  c.num_merges = merges;
  c.special_tokens = {"<|bos|>", "<|eos|>"};
  c.added_tokens = std::move(added_tokens);
  c.bos_token = "<|bos|>";
  return text::train_bpe(corpus, c);
}

}  // namespace r1::test
