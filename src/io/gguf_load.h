// Inference from a GGUF file: `r1 generate / eval / serve / perplexity --model FILE.gguf` on a
// Qwen2 / Llama GGUF (what io/gguf_export.h or llama.cpp's converter and llama-quantize write).
//
// The file is mapped and imported (io/gguf_import.h: config.json rebuilt from the metadata, HF
// tensor names, Llama's q/k rows permuted back) without dequantizing:
//   - Q8_0 / Q4_0 / Q4_1 projections (and the head, or token_embd standing for a tied head) go
//     straight into QuantLinear layers as stored: the blocks are copied out of the mapping once, and
//     that tensor's pages dropped — no fp32 copy, no re-quantization. F16/F32/BF16 projections in
//     such a file stay dense (model::QuantizeOptions::quantize_unquantized false). A quantized
//     token_embd is dequantized for the lookup table, which is then bf16 as in every quantized load.
//     The quantized kernels run on the CPU only.
//   - a file without quantized projections loads as a checkpoint directory does: fp32 for --quant
//     none, quantized at load (streaming) for --quant int8|int4.
// --quant on a file with quantized projections must be none ("as stored") or the one whose formats
// the file holds (int8: Q8_0 everywhere; int4: Q4_0 with a Q8_0 or Q4_0 head); anything else would
// quantize twice and is an error naming the file.
//
// The tokenizer is rebuilt from the metadata (io/gguf_tokenizer.h) for the pre-tokenizers r1cpp
// knows, or taken from InferenceLoad::tokenizer; an unknown one is an error naming the file, the key
// and --tokenizer. tokenizer_config (chat template, special tokens) comes from the metadata.
#pragma once
#include <optional>
#include <string>

#include "io/gguf_format.h"
#include "io/inference_load.h"
#include "io/model_dir.h"

namespace r1::io::gguf {

// A regular file that starts with GGUF's magic.
bool is_gguf_file(const std::string& path);

// The --quant whose block formats the header's projections are stored in: none when no projection
// (nor a tied token_embd) is quantized; nullopt for another mix (Q4_1, Q8_0 with Q4_0 layers, ...),
// which loads only as stored.
std::optional<WeightQuant> stored_weight_quant(const Header& h);

LoadedModel load_gguf_for_inference(const std::string& path, const InferenceLoad& opt, const torch::Device& device,
                                    model::QuantizeReport* report = nullptr);

}  // namespace r1::io::gguf
