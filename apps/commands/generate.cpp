// r1 generate: sample completions of a prompt from a checkpoint directory.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "commands/commands.h"
#include "core/error.h"
#include "engine/generator.h"
#include "io/model_dir.h"
#include "text/chat_template.h"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"Samples completions of a prompt from a Hugging Face checkpoint directory.", "r1 generate"};
  std::string model_dir, prompt;
  bool chat = false;
  int64_t n = 1;
  r1::engine::GenerationConfig gen;
  app.add_option("--model", model_dir, "checkpoint directory (config.json, safetensors, tokenizer.json)")->required();
  app.add_option("--prompt", prompt, "prompt text (raw, or the user message with --chat)")->required();
  app.add_flag("--chat", chat, "render the prompt as a user turn through the checkpoint's chat template");
  app.add_option("--n", n, "samples");
  app.add_option("--temperature", gen.sampling.temperature, "0 = greedy");
  app.add_option("--top-p", gen.sampling.top_p);
  app.add_option("--top-k", gen.sampling.top_k);
  app.add_option("--max-new-tokens", gen.sampling.max_new_tokens);
  app.add_option("--seed", gen.sampling.seed);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto loaded = r1::io::load_model_dir(model_dir);
  r1::check(loaded.tokenizer.has_value(), model_dir, "has no tokenizer.json");
  const auto& tok = *loaded.tokenizer;
  std::string text = prompt;
  if (chat) {
    auto tmpl = r1::text::ChatTemplate::from_config_json(loaded.tokenizer_config, model_dir + "/tokenizer_config.json");
    text = tmpl.render(nlohmann::json::array({{{"role", "user"}, {"content", prompt}}}), true);
  }
  auto ids = tok.encode(text, /*add_special_tokens=*/!chat);
  const auto& cfg = loaded.model->config();
  if (cfg.eos_token_id >= 0) gen.stop_token_ids.push_back(static_cast<int32_t>(cfg.eos_token_id));
  auto outs = r1::engine::generate(*loaded.model, {ids}, n, gen);
  for (const auto& o : outs) {
    std::vector<int32_t> body(o.tokens);
    if (o.stopped && !body.empty()) body.pop_back();
    std::printf("%s%s\n", text.c_str(), tok.decode(body, true).c_str());
    if (n > 1) std::printf("----\n");
  }
  return 0;
}

r1::cli::RegisterCommand reg("generate", "sample completions of a prompt from a checkpoint", run);

}  // namespace
