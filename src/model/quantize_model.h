// Weight-only quantization of a model for inference: every projection (attention, MLP, experts, the
// MTP modules' projections) and the output head become QuantLinear layers (quant_linear.h); the
// embedding table is kept in bf16 (a lookup reads one row per token, so its precision costs nothing
// per step, and halving it is what brings a 7B model under 10 GB); norms, routers and biases stay
// fp32. A tied head gets its own quantized copy of the embedding in CausalLM's unregistered lm_head
// slot (linear.h), so the two no longer share storage. The model is then for inference only.
//
// A projection whose input width is not a multiple of 32 (the block size) stays dense; the report
// names it. The weights come from the model itself, or — the streaming loader of
// io/inference_load.h — from a WeightSource over a checkpoint's mapped tensors, so the model's dense
// layers are never filled and the full fp32 model never exists.
#pragma once
#include <ATen/core/Tensor.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernels/quant_blocks.h"
#include "model/causal_lm.h"
#include "model/quant_linear.h"

namespace r1::model {

struct QuantizeOptions {
  kernels::QuantType type = kernels::QuantType::q8_0;
  // The output head's format when it differs (llama.cpp's Q4_0 files keep the head in Q8_0, and so
  // does io/inference_load.h's int4: the head's precision matters most for the sampled tokens).
  std::optional<kernels::QuantType> head_type;
  QuantLinearConfig linear;
  bool bf16_embeddings = true;  // false: the table keeps its dtype
  // false: a projection the source holds unquantized (no blocks) stays dense instead of being
  // quantized to `type` — a GGUF file loaded as stored, whose F16/F32 matrices stay as they are.
  bool quantize_unquantized = true;
};

// Blocks a source already holds for one projection: uint8 [out, row_bytes] of `type`.
struct StoredBlocks {
  kernels::QuantType type = kernels::QuantType::q8_0;
  torch::Tensor data;  // undefined: the source holds this weight unquantized
  // The source tensors `data` was read from: passed to WeightSource::done once the layer holds its
  // own copy of the blocks.
  std::vector<std::string> tensors;
};

// Checkpoint tensors by Hugging Face name ("model.layers.0.mlp.up_proj.weight").
struct WeightSource {
  // The tensor of that name, undefined when absent (a projection without bias).
  std::function<torch::Tensor(const std::string& name)> get;
  // Called once the tensor has been converted and will not be asked for again (a loader releases
  // its pages). May be empty.
  std::function<void(const std::string& name)> done;
  // Stored blocks for projection `layer` ("model.layers.0.mlp.up_proj", the head "lm_head"), taken
  // as they are instead of quantizing the weight: a quantized checkpoint answers in the format
  // `wanted` (the options' type for it), a GGUF file in the type it stores. May be empty.
  std::function<StoredBlocks(const std::string& layer, kernels::QuantType wanted)> blocks;
};

struct QuantizeReport {
  std::vector<std::string> quantized;  // projection names, the head as "lm_head"
  std::vector<std::string> kept_dense; // projections whose input width is not a multiple of 32, or
                                       // stored unquantized with quantize_unquantized false
  int64_t quantized_weights = 0;       // weights now in blocks
  int64_t quantized_bytes = 0;         // bytes of those blocks
};

// From the model's own weights (fp32 or bf16 parameters).
QuantizeReport quantize_for_inference(CausalLMImpl& model, const QuantizeOptions& opt);
// From `source`: the model's projections are replaced without being read (they may be
// uninitialised, see SkipWeightInit); the head is quantized from source's lm_head.weight, or
// model.embed_tokens.weight when embeddings are tied. Everything else (norms, the embedding table,
// dense-kept projections) is left for the caller to load. Embeddings become bf16 storage (unfilled).
QuantizeReport quantize_for_inference(CausalLMImpl& model, const QuantizeOptions& opt, const WeightSource& source);

// Bytes the weights of `model` (which may be an uninitialised skeleton built under SkipWeightInit)
// would take after quantize_for_inference with `opt`: the blocks of every quantizable projection
// and of the head, the embedding in bf16, everything else in fp32.
int64_t quantized_weight_bytes(CausalLMImpl& model, const QuantizeOptions& opt);

}  // namespace r1::model
