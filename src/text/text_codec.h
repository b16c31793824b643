// How evaluation and RL turn text into a policy's token ids and back: encode/decode plus the BOS,
// EOS and padding ids. One helper builds it for a checkpoint's tokenizer and the BOS/EOS ids of its
// config.json, so `r1 eval` and `r1 grpo` read a checkpoint's text format the same way.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace r1::text {

class Tokenizer;

struct TextCodec {
  std::function<std::vector<int32_t>(const std::string&)> encode;  // text -> ids (no BOS)
  std::function<std::string(const std::vector<int32_t>&)> decode;
  int32_t bos_id = -1, eos_id = -1, pad_id = 0;
};

// A codec over `tok`: encode adds no special tokens (a prompt writes its own BOS:
// tasks/prompt_template.h), decode skips them. Padding is the EOS id (0 when there is none); padded positions are masked.
// A checkpoint's codec takes BOS/EOS from its config.json (bos_token_id, eos_token_id; -1 where the
// config has none).
TextCodec make_codec(const Tokenizer& tok, int64_t bos_id, int64_t eos_id);

}  // namespace r1::text
