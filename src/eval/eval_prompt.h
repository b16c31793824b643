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
#pragma once
#include <optional>
#include <string>

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

// The user message of the R1 chat prompt.
std::string r1_user_message(const tasks::Problem& p);

EvalPrompt r1_chat_prompt(const text::ChatTemplate& tmpl, const tasks::Problem& p);
EvalPrompt r1_zero_prompt(const tasks::Problem& p);

}  // namespace r1::eval
