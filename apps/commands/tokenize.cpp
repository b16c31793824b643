// `r1 tokenize`: UTF-8 stdin -> token ids (JSON array), or ids -> text with --decode; --chat renders
// a messages file through the model's chat template first.
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/files.h"
#include "core/json_file.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"

namespace {

std::string read_stdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

// tokenizer_config.json beside tokenizer.json (or inside the directory given as --tokenizer).
std::string sibling_config(const std::string& tokenizer_path) {
  const size_t slash = tokenizer_path.rfind('/');
  return (slash == std::string::npos ? std::string(".") : tokenizer_path.substr(0, slash)) +
         "/tokenizer_config.json";
}

std::vector<std::string> family_choices() {
  return {"", "deepseek_v3", "deepseek_r1", "r1_distill_qwen", "qwen2.5", "llama3"};
}

struct TokenizeCommand {
  std::string tokenizer;
  bool decode = false;
  bool skip_special_tokens = false;
  bool add_special_tokens = false;
  std::string chat;
  std::string tokenizer_config;
  std::string chat_family;
  bool generation_prompt = true;
  bool render_only = false;
};

template <class V>
void visit_fields(V& v, TokenizeCommand& c) {
  using namespace r1::schema;
  v.field("tokenizer", c.tokenizer, "tokenizer.json (or the directory holding it)", kRequired);
  v.field("decode", c.decode, "read a JSON array of ids from stdin and print the text");
  v.field("skip_special_tokens", c.skip_special_tokens, "with --decode: drop special tokens");
  v.field("add_special_tokens", c.add_special_tokens, "apply the post-processor (e.g. BOS)");
  v.field("chat", c.chat, "a JSON array of {role, content} to render through the chat template, then encode");
  v.field("tokenizer_config", c.tokenizer_config,
          "tokenizer_config.json with the chat_template; \"\" = the one beside tokenizer.json");
  v.field("chat_family", c.chat_family, "with --chat: this family's native renderer instead of a chat_template",
          one_of(family_choices()));
  v.field("generation_prompt", c.generation_prompt, "with --chat: append the assistant generation prompt");
  v.field("render_only", c.render_only, "with --chat: print the rendered prompt, not ids");
  v.require(!c.decode || c.chat.empty(), "decode", "reads ids from stdin; it does not go with --chat");
}

const r1::cli::CommandSpec kSpec{
    "tokenize", "--tokenizer PATH [--decode | --chat FILE.json] [--key value ...]",
    "Tokenizes UTF-8 stdin with a Hugging Face tokenizer.json and prints the ids as a JSON array; --decode\n"
    "reads a JSON array of ids and prints the text; --chat renders a messages file through the model's chat\n"
    "template first.",
    {}};

int run_tokenize(TokenizeCommand& c) {
  std::string tokenizer_path = c.tokenizer;
  if (r1::path_exists(tokenizer_path + "/tokenizer.json")) tokenizer_path += "/tokenizer.json";
  const auto tok = r1::text::Tokenizer::from_file(tokenizer_path);

  if (c.decode) {
    nlohmann::json ids;
    try {
      ids = nlohmann::json::parse(read_stdin());
    } catch (const nlohmann::json::exception& e) {
      throw r1::Error("stdin", std::string("expected a JSON array of ids: ") + e.what());
    }
    if (!ids.is_array()) throw r1::Error("stdin", "expected a JSON array of ids");
    std::vector<int32_t> list;
    const int64_t vocab = tok.vocab_size();
    for (size_t i = 0; i < ids.size(); ++i) {
      const bool in_range = ids[i].is_number_integer() && ids[i].get<int64_t>() >= 0 && ids[i].get<int64_t>() < vocab;
      r1::check(in_range, "stdin: element " + std::to_string(i),
                ids[i].dump() + " is not a token id of this tokenizer (ids are integers in [0, " +
                    std::to_string(vocab) + "))");
      list.push_back(static_cast<int32_t>(ids[i].get<int64_t>()));
    }
    std::cout << tok.decode(list, c.skip_special_tokens);
    return 0;
  }

  std::string text;
  if (!c.chat.empty()) {
    const nlohmann::json messages = r1::read_json_file(c.chat);
    const auto tmpl = !c.chat_family.empty()
                          ? r1::text::ChatTemplate::builtin(r1::text::parse_chat_family(c.chat_family))
                          : r1::text::ChatTemplate::from_tokenizer_config(
                                c.tokenizer_config.empty() ? sibling_config(tokenizer_path) : c.tokenizer_config);
    text = tmpl.render(messages, c.generation_prompt);
    if (c.render_only) {
      std::cout << text;
      return 0;
    }
  } else {
    text = read_stdin();
  }
  const auto ids = tok.encode(text, c.add_special_tokens);
  std::cout << nlohmann::json(ids).dump() << "\n";
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "text -> token ids (JSON) with a tokenizer.json; --decode, --chat", run_tokenize);

}  // namespace
