// Token ids to text one token at a time, never splitting a UTF-8 character across two pieces: a
// byte-level BPE token can hold half of "é" or of an emoji, and decoding it alone gives U+FFFD.
// As vLLM and TGI do, it decodes a short window (from the last emitted boundary) with and without
// the new tokens and releases the difference only when the window does not end in U+FFFD; decoding
// from a window start keeps decoders that treat a sequence's first token specially correct.
// Special tokens (EOS, ...) are skipped, as the responses show text without them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "text/tokenizer.h"

namespace r1::serve {

class IncrementalDetokenizer {
 public:
  explicit IncrementalDetokenizer(const text::Tokenizer& tok) : tok_(tok) {}
  // The text that token `id` completes (often all of it, "" while a character is unfinished).
  std::string push(int32_t id);
  // What is still held (an unfinished character comes out as U+FFFD), at the end of the output.
  std::string finish();

 private:
  std::string window_text(size_t end) const;

  const text::Tokenizer& tok_;
  std::vector<int32_t> ids_;
  size_t prefix_ = 0;  // window start: ids before it are settled
  size_t read_ = 0;    // ids up to here have been released as text
};

}  // namespace r1::serve
