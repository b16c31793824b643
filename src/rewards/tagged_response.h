// The R1-Zero response format: "<think> reasoning </think><answer> answer </answer>", and the
// format reward that checks it. Torch-free.
//
// Where the answer is read (open-r1's reasoning_accuracy_reward rule): only after the reasoning.
// With a "</think>" in the response, the answer is the last <answer>…</answer> after the last
// "</think>"; a response that opens a think block and never closes it has no answer (the reasoning
// never ended, whatever it says inside); a response without any think tag is a direct answer, read
// whole.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace r1::rewards {

struct TaggedResponse {
  bool thinks = false;                // a complete <think>…</think> block opens the response
  std::string think;                  // the chain of thought: that block's content, or, when the
                                      // response opens <think> and never closes it, everything after
  std::optional<std::string> answer;  // content of the last <answer>…</answer> after the reasoning
  bool well_formed = false;           // think block, then exactly one answer block, nothing else
};

TaggedResponse parse_tagged_response(std::string_view response);

// Whether `s` holds one of the four format tags (<think>, </think>, <answer>, </answer>). Any other
// '<' is content: "x<3" is a fine answer.
bool contains_format_tag(std::string_view s);

// 1 when the response is "<think>…</think><answer>…</answer>" (whitespace allowed between the
// blocks, no format tag inside them), else 0 — R1-Zero's format reward.
double format_reward(std::string_view response);

}  // namespace r1::rewards
