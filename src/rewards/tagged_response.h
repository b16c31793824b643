// The R1-Zero response format: "<think> reasoning </think><answer> answer </answer>", and the
// format reward that checks it. Torch-free.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace r1::rewards {

struct TaggedResponse {
  bool thinks = false;                // a complete <think>…</think> block opens the response
  std::string think;                  // its content
  std::optional<std::string> answer;  // content of the last <answer>…</answer>, if any
  bool well_formed = false;           // think block, then exactly one answer block, nothing else
};

TaggedResponse parse_tagged_response(std::string_view response);

// 1 when the response is "<think>…</think><answer>…</answer>" (whitespace allowed between the
// blocks), else 0 — R1-Zero's format reward.
double format_reward(std::string_view response);

}  // namespace r1::rewards
