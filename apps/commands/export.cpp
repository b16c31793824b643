// r1 export: a Hugging Face checkpoint directory as a file other tools load: GGUF
// (io/gguf_export.h), for llama.cpp, Ollama and LM Studio; or a quantized safetensors checkpoint
// directory (io/quantized_checkpoint.h) that `--quant` loads as it is.
#include <cstdio>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "io/gguf_export.h"
#include "io/inference_load.h"
#include "io/quantized_checkpoint.h"

namespace {

struct ExportCommand {
  std::string model, out, format = "gguf";
  r1::io::gguf::ExportOptions gguf;
  r1::io::WeightQuant quant = r1::io::WeightQuant::none;
};

template <class V>
void visit_fields(V& v, ExportCommand& c) {
  using namespace r1::schema;
  v.field("model", c.model,
          "the Qwen2 / Llama checkpoint directory (config.json, safetensors, tokenizer.json); a quantized one (--format "
          "safetensors --quant) exports to GGUF with its blocks as stored; with --format safetensors also a .gguf file",
          kRequired);
  v.field("out", c.out, "the file (gguf) or checkpoint directory (safetensors) to write", kRequired);
  v.field("format", c.format,
          "gguf: one GGUF v3 file as llama.cpp's convert_hf_to_gguf.py writes it; safetensors: a checkpoint directory "
          "with the weights quantized (--quant), which --quant int8|int4 loads as stored",
          one_of({"gguf", "safetensors"}));
  v.field("quant", c.quant,
          "safetensors: int8 (Q8_0 blocks) or int4 (Q4_0, head Q8_0), stored as int8 / packed int4 values with fp16 "
          "group scales (compressed-tensors names, io/quantized_checkpoint.h); gguf takes --type instead");
  v.field("type", c.gguf.type,
          "the weight matrices' type (norms stay f32; with q4_* the output head is q8_0); auto: f16, or for a "
          "quantized checkpoint (--format safetensors --quant) its blocks as stored (int8 -> q8_0, int4 -> q4_0)",
          one_of({"auto", "f32", "f16", "bf16", "q8_0", "q4_0", "q4_1"}));
  v.require(c.format != "safetensors" || c.quant != r1::io::WeightQuant::none, "quant",
            "--format safetensors writes quantized weights: give --quant int8 or int4");
  v.require(c.format != "gguf" || c.quant == r1::io::WeightQuant::none, "quant",
            "is for --format safetensors; a GGUF's weights take --type q8_0|q4_0|...");
  v.field("pre_tokenizer", c.gguf.pre_tokenizer,
          "llama.cpp's pre-tokenizer name; auto: from tokenizer.json's regex (qwen2, llama-bpe or gpt-2)");
}

const r1::cli::CommandSpec kSpec{
    "export", "--model DIR --out FILE.gguf [--key value ...] | --format safetensors --quant int8|int4 --out DIR",
    "Writes the Qwen2 / Llama checkpoint --model to --out as one GGUF file for llama.cpp, Ollama and\n"
    "LM Studio, with its tokenizer and chat template; or, with --format safetensors --quant, as a checkpoint\n"
    "directory whose projections and head are stored quantized, which r1 generate/eval/serve/perplexity\n"
    "--quant load directly (no fp32 pass), bit for bit what quantizing at load gives. A quantized checkpoint\n"
    "exports to GGUF as it is stored: int8 as q8_0, int4 as q4_0 with a q8_0 head, bit for bit.",
    {}};

int run(ExportCommand& c) {
  const std::string &model = c.model, &out = c.out;
  if (c.format == "safetensors") {
    r1::io::InferenceLoad load;
    load.quant = c.quant;
    r1::model::QuantizeReport rep;
    auto loaded = r1::io::load_for_inference(model, load, torch::kCPU, &rep);
    r1::io::CheckpointSaveOptions save;
    if (loaded.tokenizer) save.tokenizer = &*loaded.tokenizer;
    if (!loaded.tokenizer_config.is_null()) save.tokenizer_config = loaded.tokenizer_config;
    r1::io::save_quantized_model_dir(out, *loaded.model, c.quant, save);
    std::printf("%s: %zu projections quantized (%.2f MB of blocks), %zu kept dense\n", out.c_str(), rep.quantized.size(),
                static_cast<double>(rep.quantized_bytes) / 1e6, rep.kept_dense.size());
    return 0;
  }
  const r1::io::gguf::ExportOptions& opt = c.gguf;
  const auto s = r1::io::gguf::export_gguf(model, out, opt);
  std::string types;
  for (const auto& [t, n] : s.by_type) types += (types.empty() ? "" : ", ") + std::to_string(n) + " " + t;
  std::printf("%s: %s, %lld tensors (%s), %.2f MB\n", out.c_str(), s.arch.c_str(), static_cast<long long>(s.tensors),
              types.c_str(), static_cast<double>(s.file_bytes) / 1e6);
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "write a checkpoint as GGUF (llama.cpp, Ollama, LM Studio) or quantized safetensors",
                             run);

}  // namespace
