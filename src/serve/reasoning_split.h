// Splitting a reasoning model's output into its thinking and its answer, as DeepSeek's API, vLLM's
// `deepseek_r1` reasoning parser and llama.cpp's `--reasoning-format deepseek` do:
//
//   [<think>] reasoning </think> content      ->  reasoning_content = "reasoning", content = "content"
//
// The opening tag is in the output, or already in the prompt: R1 and R1-Distill chat templates end
// the generation prompt with "<think>\n", so the model starts inside its thought and only ever writes
// the closing tag (vLLM and llama.cpp both shipped bugs where that thinking landed in `content`).
// prompt_opens_think() reads that from the rendered prompt's tail. Whitespace next to the tags is
// dropped; an output cut before "</think>" is all reasoning, with an empty content.
//
// ReasoningSplitter does the split on a stream of text pieces of any size: it holds back only what
// might still be part of a tag (or whitespace before "</think>"), and every delta it returns is
// either reasoning or content, never both. split_reasoning() is the one-shot form, written
// independently with plain find(); the tests hold the two equal over arbitrary chunkings.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace r1::serve {

// true: the rendered prompt leaves the model inside <think> (its tail, whitespace aside, is "<think>").
bool prompt_opens_think(std::string_view prompt);

struct TextDelta {
  bool reasoning = false;  // true: reasoning_content; false: content
  std::string text;
};

struct SplitText {
  bool has_reasoning = false;  // the output was (or started) a thought: reasoning_content is not null
  std::string reasoning;
  std::string content;
};

SplitText split_reasoning(std::string_view text, bool opened_in_prompt);

class ReasoningSplitter {
 public:
  explicit ReasoningSplitter(bool opened_in_prompt);
  // The deltas `piece` completes, in order (at most one reasoning delta then one content delta).
  std::vector<TextDelta> feed(std::string_view piece);
  // What was held back, at the end of the output.
  std::vector<TextDelta> finish();
  bool has_reasoning() const { return has_reasoning_; }

 private:
  enum class State { tag_check, reasoning_start, reasoning, content_start, content };
  void emit(std::vector<TextDelta>& out, bool reasoning, std::string_view text);

  State state_;
  bool may_repeat_tag_;  // opened in the prompt: a "<think>" the model writes anyway is dropped
  bool has_reasoning_;
  std::string pending_;
};

}  // namespace r1::serve
