// `r1 tokenize`: UTF-8 stdin -> token ids (JSON array), or ids -> text with --decode; --chat renders
// a messages file through the model's chat template first.
#include <CLI/CLI.hpp>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "commands/commands.h"
#include "core/error.h"
#include "core/files.h"
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

int run_tokenize(int argc, char** argv) {
  CLI::App app{"Tokenize stdin with a Hugging Face tokenizer.json", "r1 tokenize"};
  std::string tokenizer_path, chat_file, config_path, family;
  bool decode = false, add_special = false, skip_special = false, no_generation_prompt = false,
       render_only = false;
  app.add_option("--tokenizer", tokenizer_path, "tokenizer.json (or the directory holding it)")
      ->required();
  app.add_flag("--decode", decode, "read a JSON array of ids from stdin and print the text");
  app.add_flag("--skip-special-tokens", skip_special, "with --decode: drop special tokens");
  app.add_flag("--add-special-tokens", add_special, "apply the post-processor (e.g. BOS)");
  app.add_option("--chat", chat_file, "JSON array of {role, content}: render it, then encode");
  app.add_option("--tokenizer-config", config_path,
                 "tokenizer_config.json with the chat_template (default: beside tokenizer.json)");
  app.add_option("--chat-family", family,
                 "use the native renderer of this family instead of a chat_template "
                 "(deepseek_v3, deepseek_r1, r1_distill_qwen, qwen2.5, llama3)");
  app.add_flag("--no-generation-prompt", no_generation_prompt,
               "with --chat: do not append the assistant generation prompt");
  app.add_flag("--render-only", render_only, "with --chat: print the rendered prompt, not ids");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (r1::path_exists(tokenizer_path + "/tokenizer.json")) tokenizer_path += "/tokenizer.json";
  const auto tok = r1::text::Tokenizer::from_file(tokenizer_path);

  if (decode) {
    nlohmann::json ids;
    try {
      ids = nlohmann::json::parse(read_stdin());
    } catch (const nlohmann::json::exception& e) {
      throw r1::Error("stdin", std::string("expected a JSON array of ids: ") + e.what());
    }
    if (!ids.is_array()) throw r1::Error("stdin", "expected a JSON array of ids");
    std::cout << tok.decode(ids.get<std::vector<int32_t>>(), skip_special);
    return 0;
  }

  std::string text;
  if (!chat_file.empty()) {
    nlohmann::json messages;
    try {
      messages = nlohmann::json::parse(r1::read_file(chat_file));
    } catch (const nlohmann::json::exception& e) {
      throw r1::Error(chat_file, std::string("invalid JSON: ") + e.what());
    }
    const auto tmpl = !family.empty()
                          ? r1::text::ChatTemplate::builtin(r1::text::parse_chat_family(family))
                          : r1::text::ChatTemplate::from_tokenizer_config(
                                config_path.empty() ? sibling_config(tokenizer_path) : config_path);
    text = tmpl.render(messages, !no_generation_prompt);
    if (render_only) {
      std::cout << text;
      return 0;
    }
  } else {
    text = read_stdin();
  }
  const auto ids = tok.encode(text, add_special);
  std::cout << nlohmann::json(ids).dump() << "\n";
  return 0;
}

r1::cli::RegisterCommand reg("tokenize",
                             "text -> token ids (JSON) with a tokenizer.json; --decode, --chat",
                             run_tokenize);

}  // namespace
