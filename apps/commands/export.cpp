// r1 export: a Hugging Face checkpoint directory as a file other tools load. Today one format:
// GGUF (io/gguf_export.h), for llama.cpp, Ollama and LM Studio.
#include <cstdio>

#include "commands/commands.h"
#include "core/error.h"
#include "io/gguf_export.h"

namespace {

using json = nlohmann::json;

json defaults() {
  r1::io::gguf::ExportOptions o;
  return {{"model", ""}, {"out", ""}, {"format", "gguf"}, {"type", o.type}, {"pre_tokenizer", o.pre_tokenizer}};
}

int run(int argc, char** argv) {
  auto cfg = r1::cli::resolve_command_config(
      "export",
      "Writes the Qwen2 / Llama checkpoint --model (config.json, safetensors, tokenizer.json) to --out.\n"
      "--format gguf: one GGUF v3 file as llama.cpp's convert_hf_to_gguf.py writes it; --type sets the\n"
      "weight matrices' type: f32, f16, bf16, q8_0, q4_0 or q4_1 (norms stay f32; with q4_* the output\n"
      "head is q8_0). --pre_tokenizer overrides the llama.cpp pre-tokenizer name (auto: from\n"
      "tokenizer.json's regex: qwen2, llama-bpe or gpt-2).",
      defaults(), argc, argv);
  if (cfg.is_null()) return 0;
  for (const char* k : {"model", "out"})
    r1::check(!cfg.at(k).get<std::string>().empty(), std::string("--") + k, "is required");
  const std::string format = cfg.at("format");
  r1::check(format == "gguf", "--format", "unknown format '" + format + "' (expected gguf)");
  r1::io::gguf::ExportOptions opt;
  opt.type = cfg.at("type");
  opt.pre_tokenizer = cfg.at("pre_tokenizer");
  const std::string model = cfg.at("model"), out = cfg.at("out");
  const auto s = r1::io::gguf::export_gguf(model, out, opt);
  std::string types;
  for (const auto& [t, n] : s.by_type) types += (types.empty() ? "" : ", ") + std::to_string(n) + " " + t;
  std::printf("%s: %s, %lld tensors (%s), %.2f MB\n", out.c_str(), s.arch.c_str(), static_cast<long long>(s.tensors),
              types.c_str(), static_cast<double>(s.file_bytes) / 1e6);
  return 0;
}

r1::cli::RegisterCommand reg("export", "write a checkpoint as GGUF (llama.cpp, Ollama, LM Studio)", run);

}  // namespace
