// A Qwen2 / Llama GGUF file back as a Hugging Face checkpoint's parts: config.json rebuilt from the
// GGUF metadata and the tensors under their HF names (io/gguf_names.h), with Llama's q/k rows
// permuted back to HF's half-split rotary layout — the inverse of io/gguf_export.h, so export
// then import gives back the checkpoint (bit-exactly at f32). Quantized tensors come dequantized to
// float32, or kept as their blocks (for the quantized kernels) when ImportOptions::dequantize is
// false. The tokenizer is rebuilt apart (io/gguf_tokenizer.h: a GGUF holds no normalizer or regex,
// only the pre-tokenizer's name); io/gguf_load.h puts the pieces together for inference.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "io/gguf_file.h"
#include "io/safetensors.h"

namespace r1::io::gguf {

struct ImportOptions {
  bool dequantize = true;  // false: Q8_0/Q4_0/Q4_1 tensors go to ImportedCheckpoint::quantized
};

struct ImportedCheckpoint {
  nlohmann::json config;                            // config.json in HF form
  TensorMap tensors;                                // HF name -> values (float types as stored)
  std::map<std::string, QuantizedTensor> quantized; // HF name -> blocks (dequantize = false only)
  std::shared_ptr<const GgufFile> file;             // the mapped file the views above read
  std::map<std::string, std::string> gguf_name;     // HF name -> the GGUF tensor it came from
};

// config.json in HF form from a GGUF header alone (no tensor data is read).
nlohmann::json hf_config_of(const Header& h, const std::string& path);

// Errors name the file and the key or tensor (an architecture other than qwen2/llama, a tensor
// without an HF name, llama3 rope factors that cannot be turned back into config keys).
ImportedCheckpoint import_gguf(const std::string& path, const ImportOptions& opt = {});

}  // namespace r1::io::gguf
