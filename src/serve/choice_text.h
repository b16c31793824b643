// One choice's tokens to what its client sees: incremental detokenization (whole UTF-8 characters),
// then `stop` strings (cut before the match), then, for chat, the reasoning split — in that order,
// as vLLM applies stop strings to the raw output text before its reasoning parser.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "serve/incremental_detokenizer.h"
#include "serve/reasoning_split.h"
#include "serve/stop_strings.h"

namespace r1::serve {

class ChoiceText {
 public:
  // split: chat (reasoning_content apart); opened: the prompt left the model inside <think>.
  ChoiceText(const text::Tokenizer& tok, std::vector<std::string> stops, bool split, bool opened);
  // The deltas token `id` releases; nothing once a stop string has matched.
  std::vector<TextDelta> push(int32_t id);
  // Everything still held, at the choice's end.
  std::vector<TextDelta> finish();
  bool stopped() const { return stop_.stopped(); }  // a stop string matched
  bool has_reasoning() const { return split_ && splitter_.has_reasoning(); }
  int64_t tokens() const { return tokens_; }       // completion tokens counted for usage
  const std::string& text() const { return text_; }  // raw text released so far (after stop strings)

 private:
  std::vector<TextDelta> route(const std::string& text);

  IncrementalDetokenizer detok_;
  StopMatcher stop_;
  ReasoningSplitter splitter_;
  bool split_;
  int64_t tokens_ = 0;
  std::string text_;
};

}  // namespace r1::serve
