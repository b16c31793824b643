// r1 generate: sample completions of a prompt from a checkpoint directory.
#include <cstdio>
#include <string>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/files.h"
#include "engine/context_limit.h"
#include "engine/generator.h"
#include "engine/sampling_schema.h"
#include "io/gguf_load.h"
#include "io/inference_load.h"
#include "text/chat_template.h"

namespace {

struct GenerateCommand {
  std::string model;
  std::string prompt;
  bool chat = false;
  int64_t n = 1;
  r1::engine::SamplingParams sampling;
  r1::io::InferenceLoad load;
};

template <class V>
void visit_fields(V& v, GenerateCommand& c) {
  using namespace r1::schema;
  v.field("model", c.model, "checkpoint directory (config.json, safetensors, tokenizer.json) or a .gguf file", kRequired);
  v.field("prompt", c.prompt, "prompt text (raw, or the user message with --chat)", kRequired);
  v.field("chat", c.chat, "render the prompt as a user turn through the checkpoint's chat template");
  v.field("n", c.n, "completions to sample", at_least(1));
  visit_fields(v, c.sampling);
  visit_fields(v, c.load);
}

const r1::cli::CommandSpec kSpec{
    "generate", "--model DIR|FILE.gguf --prompt TEXT [--key value ...]",
    "Samples completions of a prompt from a Hugging Face checkpoint directory and prints each after the\n"
    "prompt (separated by ---- lines when --n > 1).",
    {}};

int run(GenerateCommand& c) {
  const std::string tokenizer_config = r1::io::tokenizer_config_where(c.model);
  if (c.chat && !r1::io::gguf::is_gguf_file(c.model))
    r1::check(r1::path_exists(tokenizer_config), c.model,
              "has no tokenizer_config.json, whose chat_template --chat renders the prompt with; drop --chat to "
              "give the prompt as raw text");
  auto loaded = r1::io::load_for_inference(c.model, c.load);
  r1::check(loaded.tokenizer.has_value(), c.model, "has no tokenizer.json");
  const auto& tok = *loaded.tokenizer;
  std::string text = c.prompt;
  if (c.chat) {
    auto tmpl = r1::text::ChatTemplate::from_config_json(loaded.tokenizer_config, tokenizer_config);
    text = tmpl.render(nlohmann::json::array({{{"role", "user"}, {"content", c.prompt}}}), true);
  }
  auto ids = tok.encode(text, /*add_special_tokens=*/!c.chat);
  r1::engine::GenerationConfig gen;
  gen.sampling = c.sampling;
  const auto& cfg = loaded.model->config();
  const auto fit = r1::engine::fit_to_context({ids}, c.sampling.max_new_tokens, cfg.max_position_embeddings, "generate");
  r1::engine::note_context_cap("generate", c.sampling.max_new_tokens, fit, cfg.max_position_embeddings);
  gen.sampling.max_new_tokens = fit.max_new_tokens;
  if (cfg.eos_token_id >= 0) gen.stop_token_ids.push_back(static_cast<int32_t>(cfg.eos_token_id));
  auto outs = r1::engine::generate(*loaded.model, {ids}, c.n, gen);
  for (const auto& o : outs) {
    std::vector<int32_t> body(o.tokens);
    if (o.stopped && !body.empty()) body.pop_back();
    std::printf("%s%s\n", text.c_str(), tok.decode(body, true).c_str());
    if (c.n > 1) std::printf("----\n");
  }
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "sample completions of a prompt from a checkpoint", run);

}  // namespace
