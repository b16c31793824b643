// How a problem becomes the prompt a policy is fed — in RL, in evaluation and in rejection sampling
// alike, so the reward and the metric see the same text.
//
// R1 chat (the DeepSeek-R1 release's usage recommendations): no system prompt; the user message is
// the problem + "\nPlease reason step by step, and put your final answer within \boxed{}."; it is
// rendered through the model's own chat template with the generation prompt, and the response is
// forced to open with "<think>\n" (appended unless the template already ends with it, as R1's 2025
// template does). The forced prefix is part of the response that gets scored.
//
// R1-Zero: R1-Zero's "User: …\nAssistant: " template (R1_SPEC §2), shortened so a small model spends
// its capacity on the task, not on the instructions; for models without a chat template (the tiny
// demo models) and for the synthetic task families they were trained on. A response mode can force
// its first tag ("<think>" / "<answer>") to measure each mode alone.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tasks/task.h"
#include "text/chat_template.h"
#include "text/text_codec.h"

namespace r1::tasks {

// "User: 3+5+2+7 mod 10\nAssistant: "
std::string r1zero_prompt(const Problem& p);

// r1zero_prompt as a chat template (tokenizer_config.json's Jinja, BOS first): a conversation of one
// user turn renders as {bos_token} + r1zero_prompt, later turns continue in the same "User: … /
// Assistant: …" form. For serving a checkpoint trained on R1-Zero prompts that ships no template
// of its own (the demo's): the model is then asked in the form it learned.
const char* r1zero_chat_template();

// How a response is started: free (the model chooses), or forced into one mode by prefilling the
// first tag, which measures each mode's accuracy separately.
enum class ResponseMode { kFree, kForceThink, kForceDirect };
std::string response_prefix(ResponseMode mode);  // "", "<think>", "<answer>"

enum class PromptStyle { kR1Chat, kR1Zero };
const char* prompt_style_name(PromptStyle s);  // "r1_chat", "r1_zero"

struct Prompt {
  std::string text;             // the prompt as text, special tokens written out
  std::string response_prefix;  // forced start of the response ("<think>\n", "<think>", "<answer>" or "")
  bool add_bos = false;         // prepend the tokenizer's BOS id (R1-Zero; chat templates write it)
};

// The user message of the R1 chat prompt: the question and R1's boxed-answer instruction, or the
// problem's own data["instruction"] ("" for none: multiple-choice prompts carry theirs).
std::string r1_user_message(const Problem& p);

Prompt r1_chat_prompt(const text::ChatTemplate& tmpl, const Problem& p);
Prompt r1_zero_prompt(const Problem& p, ResponseMode mode = ResponseMode::kFree);

// The prompt as the ids the model is fed: [BOS when add_bos and the codec has one] + text + the
// forced response prefix.
std::vector<int32_t> encode_prompt(const text::TextCodec& codec, const Prompt& prompt);

// The chat template a checkpoint ships in tokenizer_config.json, if any (null config or no
// "chat_template" key: none). `where` names the file in errors.
std::optional<text::ChatTemplate> model_chat_template(const nlohmann::json& tokenizer_config, const std::string& where);

}  // namespace r1::tasks
