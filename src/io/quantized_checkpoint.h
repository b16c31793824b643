// Quantized checkpoints: `r1 export --format safetensors --quant int8|int4` writes a Hugging Face
// checkpoint directory whose projections and output head are stored as the blocks `--quant` runs
// on, and load_for_inference reads them back as they are — no fp32 pass, no requantization, the same
// bits as quantizing at load.
//
// Layout, per quantized projection P (e.g. "model.layers.0.mlp.up_proj", the head "lm_head"), in
// the tensor names and shapes of compressed-tensors' group-quantized formats (what llm-compressor
// writes for vLLM), one fp16 scale per group of 32 consecutive inputs of a row (GGML's block):
//   int8 (Q8_0):  P.weight        I8  [out, in]       w = weight * weight_scale[group]
//                 P.weight_scale  F16 [out, in/32]
//   int4 (Q4_0):  P.weight_packed I32 [out, in/8]     eight 4-bit values per int32, input 8k+i in
//                                                      bits 4i..4i+3, stored as q + 8 (q in [-8, 7])
//                 P.weight_scale  F16 [out, in/32]     w = q * weight_scale[group]
//                 P.weight_shape  I32 [2]              {out, in}
//   P.bias stays F32. With int4 the head is int8, as llama.cpp's Q4_0 files keep it; a tied head is
//   stored as lm_head.* (the embedding table stays BF16 under its own name). Norms are F32.
// config.json's quantization_config names it: {"quant_method": "compressed-tensors", "format":
// "int-quantized" | "pack-quantized", "config_groups": {...num_bits, "type": "int", "symmetric":
// true, "strategy": "group", "group_size": 32...}, "r1_quant": "int8" | "int4"}. Symmetric scales
// may be negative (Q4_0 divides by the signed extreme), which the formula above absorbs. Loading
// such a file in other tools is untested; r1cpp's reader is the one tests hold equal.
#pragma once
#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

#include "io/checkpoint.h"
#include "io/inference_load.h"
#include "kernels/quant_blocks.h"
#include "model/causal_lm.h"

namespace r1::io {

// The stored tensors of one block matrix (uint8 [out, row_bytes] of `type`: q8_0 or q4_0) under
// `prefix`, as the layout above.
TensorMap stored_blocks(kernels::QuantType type, const at::Tensor& blocks, const std::string& prefix);

// The block matrix back from the stored tensors under `prefix` (`get` returns a tensor by name,
// undefined when absent); undefined when there is no `prefix`.weight_scale. `used` receives the
// names read. An r1::Error naming the tensor for a wrong dtype or shape, or a layout of another type.
at::Tensor blocks_from_stored(kernels::QuantType type, const std::function<at::Tensor(const std::string&)>& get,
                              const std::string& prefix, std::vector<std::string>* used = nullptr);

// The quantization of an r1-written quantized checkpoint (quantization_config.r1_quant), none for any
// other; an r1::Error naming `where` for a compressed-tensors file r1cpp did not write.
WeightQuant stored_quant(const model::ModelConfig& config, const std::string& where);

// Writes `model` — quantized for inference with `quant` (load_for_inference) — as a checkpoint
// directory in the layout above (atomically, as save_checkpoint).
void save_quantized_model_dir(const std::string& dir, model::CausalLMImpl& model, WeightQuant quant,
                              const CheckpointSaveOptions& opt = {});

}  // namespace r1::io
