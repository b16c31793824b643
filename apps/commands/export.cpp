// r1 export: a Hugging Face checkpoint directory as a file other tools load. Today one format:
// GGUF (io/gguf_export.h), for llama.cpp, Ollama and LM Studio.
#include <cstdio>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "io/gguf_export.h"

namespace {

struct ExportCommand {
  std::string model, out, format = "gguf";
  r1::io::gguf::ExportOptions gguf;
};

template <class V>
void visit_fields(V& v, ExportCommand& c) {
  using namespace r1::schema;
  v.field("model", c.model, "the Qwen2 / Llama checkpoint directory (config.json, safetensors, tokenizer.json)",
          kRequired);
  v.field("out", c.out, "the file to write", kRequired);
  v.field("format", c.format, "gguf: one GGUF v3 file as llama.cpp's convert_hf_to_gguf.py writes it", one_of({"gguf"}));
  v.field("type", c.gguf.type,
          "the weight matrices' type (norms stay f32; with q4_* the output head is q8_0)",
          one_of({"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1"}));
  v.field("pre_tokenizer", c.gguf.pre_tokenizer,
          "llama.cpp's pre-tokenizer name; auto: from tokenizer.json's regex (qwen2, llama-bpe or gpt-2)");
}

const r1::cli::CommandSpec kSpec{
    "export", "--model DIR --out FILE.gguf [--key value ...]",
    "Writes the Qwen2 / Llama checkpoint --model to --out as one GGUF file for llama.cpp, Ollama and\n"
    "LM Studio, with its tokenizer and chat template.",
    {}};

int run(ExportCommand& c) {
  const std::string &model = c.model, &out = c.out;
  const r1::io::gguf::ExportOptions& opt = c.gguf;
  const auto s = r1::io::gguf::export_gguf(model, out, opt);
  std::string types;
  for (const auto& [t, n] : s.by_type) types += (types.empty() ? "" : ", ") + std::to_string(n) + " " + t;
  std::printf("%s: %s, %lld tensors (%s), %.2f MB\n", out.c_str(), s.arch.c_str(), static_cast<long long>(s.tensors),
              types.c_str(), static_cast<double>(s.file_bytes) / 1e6);
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "write a checkpoint as GGUF (llama.cpp, Ollama, LM Studio)", run);

}  // namespace
