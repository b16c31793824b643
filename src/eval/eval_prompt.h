// How an eval prompt is built.
//
// R1 chat (the DeepSeek-R1 release's usage recommendations): no system prompt; the user message is
// the problem + "\nPlease reason step by step, and put your final answer within \boxed{}."; it is
// rendered through the model's own chat template with the generation prompt, and the response is
// forced to open with "<think>\n" (appended unless the template already ends with it, as R1's 2025
// template does). The forced prefix is part of the response that gets scored.
//
// R1-Zero: the "User: …\nAssistant: " template of tasks/prompt_template.h, for models without a
// chat template (the tiny demo models) and for the synthetic task families they were trained on.
// A response mode can force its first tag ("<think>" / "<answer>") to measure each mode alone.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "eval/text_codec.h"
#include "tasks/prompt_template.h"
#include "tasks/task.h"
#include "text/chat_template.h"

namespace r1::eval {

enum class PromptStyle { kR1Chat, kR1Zero };
const char* prompt_style_name(PromptStyle s);  // "r1_chat", "r1_zero"

struct EvalPrompt {
  std::string text;             // the prompt as text, special tokens written out
  std::string response_prefix;  // forced start of the response ("<think>\n" or "")
  bool add_bos = false;         // prepend the tokenizer's BOS id (R1-Zero; chat templates write it)
};

// The user message of the R1 chat prompt: the question and R1's boxed-answer instruction, or the
// problem's own data["instruction"] ("" for none: multiple-choice prompts carry theirs).
std::string r1_user_message(const tasks::Problem& p);

EvalPrompt r1_chat_prompt(const text::ChatTemplate& tmpl, const tasks::Problem& p);
EvalPrompt r1_zero_prompt(const tasks::Problem& p, tasks::ResponseMode mode = tasks::ResponseMode::kFree);

// The prompt as the ids the model is fed: [BOS when add_bos and the codec has one] + text + the
// forced response prefix.
std::vector<int32_t> encode_eval_prompt(const TextCodec& codec, const EvalPrompt& prompt);

// The chat template a checkpoint ships in tokenizer_config.json, if any (null config or no
// "chat_template" key: none). `where` names the file in errors.
std::optional<text::ChatTemplate> model_chat_template(const nlohmann::json& tokenizer_config, const std::string& where);

}  // namespace r1::eval
