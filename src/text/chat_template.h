// Chat templates: renders a conversation (JSON array of {"role", "content", ...}) into the prompt
// string a model family expects.
//
// Design choice: the templates shipped in tokenizer_config.json are rendered by a Jinja-subset
// interpreter (jinja.h), not re-implemented per family. Templates change between model
// revisions (R1's generation prompt gained "<think>\n" in 2025; R1-Distill-Qwen keeps only the last
// system message; Qwen3 drops reasoning only before the last user query), and an interpreter
// reproduces whichever revision the checkpoint ships, byte for byte, including tool turns. The
// peer test checks it against transformers.js' Jinja on the DeepSeek-V3, Qwen3 and Llama-3
// templates. Native renderers exist as well (ChatTemplate::builtin) for running without a
// tokenizer_config.json (e.g. a converted checkpoint); they are written from the documented
// behaviour (R1_SPEC §7.5) and cover plain system/user/assistant turns only.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "text/jinja.h"

namespace r1::text {

enum class ChatFamily {
  Unknown,
  DeepSeekV3,     // <｜User｜>/<｜Assistant｜>, systems joined with "\n\n", no think handling
  DeepSeekR1,     // as V3; past reasoning dropped; generation prompt "<｜Assistant｜><think>\n"
  R1DistillQwen,  // as R1, but only the last system message is kept
  Qwen25,         // ChatML with the default Qwen system prompt
  Qwen3,          // ChatML with <think> blocks (Jinja only, no native renderer)
  Llama3,         // <|start_header_id|>role<|end_header_id|>\n\n content <|eot_id|>
};

// Family of a chat_template string, from the markers it uses; Unknown if none match.
ChatFamily detect_chat_family(const std::string& chat_template);
std::string chat_family_name(ChatFamily f);
ChatFamily parse_chat_family(const std::string& name);  // the names of chat_family_name

class ChatTemplate {
 public:
  // Reads chat_template (a string, or a list of {name, template} where "default" is used) and the
  // special tokens (strings or {"content": ...} objects) from tokenizer_config.json.
  static ChatTemplate from_tokenizer_config(const std::string& path);
  static ChatTemplate from_config_json(const nlohmann::json& config, const std::string& where);
  // A native renderer (no Jinja); Qwen3 and Unknown have none (r1::Error).
  static ChatTemplate builtin(ChatFamily family);

  // `extra` adds template variables (e.g. {"enable_thinking": false} or "tools").
  std::string render(const nlohmann::json& messages, bool add_generation_prompt,
                     const nlohmann::json& extra = nlohmann::json::object()) const;

  ChatFamily family() const { return family_; }
  const std::string& bos_token() const { return bos_; }
  const std::string& eos_token() const { return eos_; }

 private:
  std::string render_native(const nlohmann::json& messages, bool add_generation_prompt) const;

  ChatFamily family_ = ChatFamily::Unknown;
  std::shared_ptr<const JinjaTemplate> jinja_;  // null: native renderer
  nlohmann::json special_tokens_ = nlohmann::json::object();  // bos_token, eos_token, ...
  std::string bos_, eos_, where_;
};

}  // namespace r1::text
