// A Hugging Face Qwen2 / Llama checkpoint directory (config.json, safetensors, tokenizer.json,
// tokenizer_config.json) as one GGUF file that llama.cpp, Ollama and LM Studio load — what
// llama.cpp's convert_hf_to_gguf.py writes (Qwen2Model / LlamaModel), and for q4_0 / q4_1 what
// llama-quantize then makes of it:
//   metadata   general.* (architecture, name, file_type, quantization_version) and the
//              architecture's hyperparameters ({arch}.context_length, embedding_length,
//              feed_forward_length, block_count, attention.head_count(_kv), attention.key_length /
//              value_length when config.json has head_dim, rope.freq_base,
//              attention.layer_norm_rms_epsilon; llama: vocab_size, rope.dimension_count; rope
//              scaling linear / yarn as rope.scaling.*, llama3 as a rope_freqs tensor), and the
//              tokenizer (io/gguf_vocab.h)
//   tensors    named as io/gguf_names.h; tied embeddings write no output.weight (llama.cpp reuses
//              token_embd); Llama's q/k projections permuted from HF's half-split rotary layout to
//              llama.cpp's interleaved one (convert_hf_to_gguf.py LlamaModel.permute); Qwen2 keeps
//              its (NeoX) layout
//   types      1-D tensors and norms F32; matrices the requested type: f32, f16, bf16, q8_0 as
//              convert_hf_to_gguf.py does; q4_0 / q4_1 as llama-quantize does, except that the
//              output head (token_embd when tied) is Q8_0 where llama-quantize picks Q6_K, a k-quant
//              r1cpp does not write. A matrix whose rows are not whole 32-blocks falls back to F16.
// The config is read as JSON and the tensors through io/safetensors.h one at a time, straight
// from the mapped files: the model is never materialized in fp32.
//
// A quantized checkpoint (io/quantized_checkpoint.h, `r1 export --format safetensors --quant`) is
// written as it stores itself, bit for bit: its int8 projections as Q8_0, its int4 ones as Q4_0 and
// its head as Q8_0 (the GGUF types whose blocks they are), every float tensor in its stored type
// (the bf16 table, dense-kept projections). Its tied head, stored apart from the table, becomes
// output.weight. Any --type but auto or that type is an error (it would round twice).
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace r1::io::gguf {

struct ExportOptions {
  // Tensor type of the weight matrices: "f32", "f16", "bf16", "q8_0", "q4_0" or "q4_1"; "auto":
  // f16, or for a quantized checkpoint the type its blocks are (q8_0 for int8, q4_0 for int4).
  std::string type = "auto";
  // tokenizer.ggml.pre: "auto" (recognized from tokenizer.json) or one of llama.cpp's names.
  std::string pre_tokenizer = "auto";
};

struct ExportSummary {
  std::string arch;                         // "qwen2" | "llama"
  int64_t tensors = 0;
  uint64_t file_bytes = 0;
  std::map<std::string, int64_t> by_type;   // "Q8_0" -> number of tensors
};

// Throws r1::Error naming the directory, file, key or tensor at fault (an unsupported
// architecture, a tensor with no GGUF name, a bad option).
ExportSummary export_gguf(const std::string& model_dir, const std::string& out_path, const ExportOptions& opt);

}  // namespace r1::io::gguf
