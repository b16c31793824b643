#include "text/chat_template.h"

#include "core/error.h"
#include "core/json_file.h"

namespace r1::text {
namespace {

const char* const kDsUser = "<\xEF\xBD\x9CUser\xEF\xBD\x9C>";            // <｜User｜>
const char* const kDsAssistant = "<\xEF\xBD\x9C" "Assistant\xEF\xBD\x9C>";  // <｜Assistant｜>
const char* const kDsBos = "<\xEF\xBD\x9C" "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";
const char* const kDsEos = "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";

bool has(const std::string& s, const std::string& needle) {
  return s.find(needle) != std::string::npos;
}

std::string token_string(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_object() && j.contains("content") && j.at("content").is_string())
    return j.at("content").get<std::string>();
  return "";
}

// Text after the last "</think>" (R1 drops past reasoning from the history).
std::string after_think(const std::string& content) {
  const size_t p = content.rfind("</think>");
  return p == std::string::npos ? content : content.substr(p + 8);
}

std::string trim_ws(const std::string& s) {
  const char* ws = " \t\n\r\f\v";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

ChatFamily detect_chat_family(const std::string& t) {
  if (has(t, kDsAssistant)) {
    if (!has(t, "</think>")) return ChatFamily::DeepSeekV3;
    return has(t, "is_first_sp") ? ChatFamily::DeepSeekR1 : ChatFamily::R1DistillQwen;
  }
  if (has(t, "<|im_start|>")) return has(t, "<think>") ? ChatFamily::Qwen3 : ChatFamily::Qwen25;
  if (has(t, "<|start_header_id|>")) return ChatFamily::Llama3;
  return ChatFamily::Unknown;
}

std::string chat_family_name(ChatFamily f) {
  switch (f) {
    case ChatFamily::DeepSeekV3: return "deepseek_v3";
    case ChatFamily::DeepSeekR1: return "deepseek_r1";
    case ChatFamily::R1DistillQwen: return "r1_distill_qwen";
    case ChatFamily::Qwen25: return "qwen2.5";
    case ChatFamily::Qwen3: return "qwen3";
    case ChatFamily::Llama3: return "llama3";
    case ChatFamily::Unknown: break;
  }
  return "unknown";
}

ChatFamily parse_chat_family(const std::string& name) {
  for (ChatFamily f : {ChatFamily::DeepSeekV3, ChatFamily::DeepSeekR1, ChatFamily::R1DistillQwen,
                       ChatFamily::Qwen25, ChatFamily::Qwen3, ChatFamily::Llama3})
    if (chat_family_name(f) == name) return f;
  throw Error("chat family", "unknown family \"" + name +
                                 "\" (expected deepseek_v3, deepseek_r1, r1_distill_qwen, "
                                 "qwen2.5, qwen3 or llama3)");
}

ChatTemplate ChatTemplate::from_tokenizer_config(const std::string& path) {
  return from_config_json(read_json_file(path), path);
}

ChatTemplate ChatTemplate::from_config_json(const nlohmann::json& config, const std::string& where) {
  check(config.is_object(), where, "tokenizer config must be a JSON object");
  check(config.contains("chat_template"), where, "no \"chat_template\" in the tokenizer config");
  const auto& ct = config.at("chat_template");
  std::string source;
  if (ct.is_string()) {
    source = ct.get<std::string>();
  } else if (ct.is_array()) {
    for (const auto& t : ct)
      if (t.is_object() && t.value("name", std::string()) == "default")
        source = t.value("template", std::string());
    check(!source.empty(), where, "chat_template list has no \"default\" template");
  } else {
    throw Error(where, "chat_template must be a string or a list of {name, template}");
  }
  ChatTemplate t;
  t.where_ = where + " chat_template";
  t.family_ = detect_chat_family(source);
  t.jinja_ = std::make_shared<JinjaTemplate>(source, t.where_);
  for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token", "sep_token",
                          "cls_token", "mask_token"}) {
    if (!config.contains(key)) continue;
    const std::string s = token_string(config.at(key));
    if (!s.empty()) t.special_tokens_[key] = s;
  }
  t.bos_ = t.special_tokens_.value("bos_token", std::string());
  t.eos_ = t.special_tokens_.value("eos_token", std::string());
  return t;
}

ChatTemplate ChatTemplate::builtin(ChatFamily family) {
  ChatTemplate t;
  t.family_ = family;
  t.where_ = "builtin " + chat_family_name(family) + " chat template";
  switch (family) {
    case ChatFamily::DeepSeekV3:
    case ChatFamily::DeepSeekR1:
    case ChatFamily::R1DistillQwen:
      t.bos_ = kDsBos, t.eos_ = kDsEos;
      break;
    case ChatFamily::Qwen25:
      t.eos_ = "<|im_end|>";
      break;
    case ChatFamily::Llama3:
      t.bos_ = "<|begin_of_text|>", t.eos_ = "<|eot_id|>";
      break;
    default:
      throw Error(t.where_, "no native renderer for this family: load its tokenizer_config.json");
  }
  return t;
}

std::string ChatTemplate::render(const nlohmann::json& messages, bool add_generation_prompt,
                                 const nlohmann::json& extra) const {
  check(messages.is_array(), where_, "messages must be a JSON array");
  if (!jinja_) return render_native(messages, add_generation_prompt);
  nlohmann::json ctx = special_tokens_;
  ctx["messages"] = messages;
  ctx["add_generation_prompt"] = add_generation_prompt;
  if (extra.is_object())
    for (auto it = extra.begin(); it != extra.end(); ++it) ctx[it.key()] = it.value();
  return jinja_->render(ctx);
}

std::string ChatTemplate::render_native(const nlohmann::json& messages,
                                        bool add_generation_prompt) const {
  struct Msg {
    std::string role, content;
  };
  std::vector<Msg> msgs;
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    const std::string at = where_ + " message " + std::to_string(i);
    check(m.is_object() && m.contains("role") && m.at("role").is_string(), at,
          "needs a string \"role\"");
    check(m.contains("content") && m.at("content").is_string(), at,
          "needs a string \"content\" (tool calls need the model's tokenizer_config.json)");
    const std::string role = m.at("role").get<std::string>();
    check(role == "system" || role == "user" || role == "assistant", at,
          "role \"" + role + "\" is not supported by the native renderer");
    msgs.push_back({role, m.at("content").get<std::string>()});
  }
  std::string out;
  switch (family_) {
    case ChatFamily::DeepSeekV3:
    case ChatFamily::DeepSeekR1:
    case ChatFamily::R1DistillQwen: {
      const bool r1 = family_ != ChatFamily::DeepSeekV3;
      std::string system;
      bool first_system = true;
      for (const auto& m : msgs) {
        if (m.role != "system") continue;
        if (family_ == ChatFamily::R1DistillQwen) system = m.content;  // last one wins
        else system += (first_system ? "" : "\n\n") + m.content;
        first_system = false;
      }
      out = bos_ + system;
      for (const auto& m : msgs) {
        if (m.role == "user") out += kDsUser + m.content;
        if (m.role == "assistant")
          out += kDsAssistant + (r1 ? after_think(m.content) : m.content) + kDsEos;
      }
      if (add_generation_prompt) out += std::string(kDsAssistant) + (r1 ? "<think>\n" : "");
      break;
    }
    case ChatFamily::Qwen25:
      if (msgs.empty() || msgs[0].role != "system")
        out += "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
               "assistant.<|im_end|>\n";
      for (const auto& m : msgs) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
      if (add_generation_prompt) out += "<|im_start|>assistant\n";
      break;
    case ChatFamily::Llama3:
      out = bos_;
      for (const auto& m : msgs)
        out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + trim_ws(m.content) +
               "<|eot_id|>";
      if (add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
      break;
    default:
      throw Error(where_, "no native renderer");
  }
  return out;
}

}  // namespace r1::text
