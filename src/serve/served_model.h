// What `r1 serve` serves: the checkpoint's tokenizer, chat template, stop tokens and context size,
// loaded by the command (serve/ does not load checkpoints itself).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "text/chat_template.h"
#include "text/tokenizer.h"

namespace r1::serve {

struct ServedModel {
  std::string name;  // the `model` clients send and /v1/models lists
  text::Tokenizer tokenizer;
  std::optional<text::ChatTemplate> chat_template;  // none: /v1/chat/completions answers 400
  std::vector<int32_t> stop_token_ids;              // EOS and the chat template's end-of-turn token
  int64_t max_context = 0;                          // prompt + completion tokens
  int64_t created = 0;                              // unix time the model was loaded
};

}  // namespace r1::serve
