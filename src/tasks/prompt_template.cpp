#include "tasks/prompt_template.h"

#include "tasks/datasets/benchmarks.h"

namespace r1::tasks {

std::string r1zero_prompt(const Problem& p) { return "User: " + p.question + "\nAssistant: "; }

const char* r1zero_chat_template() {
  return "{{ bos_token }}"
         "{% for m in messages %}"
         "{% if m['role'] == 'user' %}User: {{ m['content'] }}\n"
         "{% elif m['role'] == 'assistant' %}Assistant: {{ m['content'] }}\n"
         "{% endif %}"
         "{% endfor %}"
         "{% if add_generation_prompt %}Assistant: {% endif %}";
}

std::string response_prefix(ResponseMode mode) {
  switch (mode) {
    case ResponseMode::kForceThink: return "<think>";
    case ResponseMode::kForceDirect: return "<answer>";
    default: return "";
  }
}

const char* prompt_style_name(PromptStyle s) { return s == PromptStyle::kR1Chat ? "r1_chat" : "r1_zero"; }

std::string r1_user_message(const Problem& p) {
  // A problem may carry its own instruction (multiple-choice prompts end with theirs: "").
  if (p.data.contains("instruction") && p.data["instruction"].is_string()) {
    const std::string instruction = p.data["instruction"];
    return instruction.empty() ? p.question : p.question + "\n" + instruction;
  }
  return p.question + "\n" + kBoxedInstruction;
}

Prompt r1_chat_prompt(const text::ChatTemplate& tmpl, const Problem& p) {
  nlohmann::json messages = nlohmann::json::array({{{"role", "user"}, {"content", r1_user_message(p)}}});
  Prompt out;
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

Prompt r1_zero_prompt(const Problem& p, ResponseMode mode) {
  Prompt out;
  out.text = r1zero_prompt(p);
  out.response_prefix = response_prefix(mode);
  out.add_bos = true;
  return out;
}

std::vector<int32_t> encode_prompt(const text::TextCodec& codec, const Prompt& prompt) {
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

}  // namespace r1::tasks
