#include "eval/eval_prompt.h"

#include "tasks/datasets/benchmarks.h"
#include "tasks/prompt_template.h"

namespace r1::eval {

const char* prompt_style_name(PromptStyle s) { return s == PromptStyle::kR1Chat ? "r1_chat" : "r1_zero"; }

std::string r1_user_message(const tasks::Problem& p) {
  // A problem may carry its own instruction (multiple-choice prompts end with theirs: "").
  if (p.data.contains("instruction") && p.data["instruction"].is_string()) {
    const std::string instruction = p.data["instruction"];
    return instruction.empty() ? p.question : p.question + "\n" + instruction;
  }
  return p.question + "\n" + tasks::kBoxedInstruction;
}

EvalPrompt r1_chat_prompt(const text::ChatTemplate& tmpl, const tasks::Problem& p) {
  nlohmann::json messages = nlohmann::json::array({{{"role", "user"}, {"content", r1_user_message(p)}}});
  EvalPrompt out;
  out.text = tmpl.render(messages, /*add_generation_prompt=*/true);
  const std::string think = "<think>\n";
  bool ends_with_think = out.text.size() >= think.size() &&
                         out.text.compare(out.text.size() - think.size(), think.size(), think) == 0;
  if (ends_with_think) {
    // The template forces it already: it still opens the scored response.
    out.text.resize(out.text.size() - think.size());
  }
  out.response_prefix = think;
  return out;
}

EvalPrompt r1_zero_prompt(const tasks::Problem& p, tasks::ResponseMode mode) {
  EvalPrompt out;
  out.text = tasks::r1zero_prompt(p);
  out.response_prefix = tasks::response_prefix(mode);
  out.add_bos = true;
  return out;
}

std::vector<int32_t> encode_eval_prompt(const TextCodec& codec, const EvalPrompt& prompt) {
  std::vector<int32_t> ids;
  if (prompt.add_bos && codec.bos_id >= 0) ids.push_back(codec.bos_id);
  auto body = codec.encode(prompt.text + prompt.response_prefix);
  ids.insert(ids.end(), body.begin(), body.end());
  return ids;
}

std::optional<text::ChatTemplate> model_chat_template(const nlohmann::json& tokenizer_config, const std::string& where) {
  if (!tokenizer_config.is_object() || !tokenizer_config.contains("chat_template")) return std::nullopt;
  return text::ChatTemplate::from_config_json(tokenizer_config, where);
}

}  // namespace r1::eval
