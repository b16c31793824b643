// Checkpoint directories in the Hugging Face layout: config.json, model.safetensors (or shards +
// model.safetensors.index.json), tokenizer.json, tokenizer_config.json, generation_config.json.
//
// Saving is atomic for the whole directory: everything is written into a sibling DIR.tmp-<pid>-<n>,
// fsynced, then swapped in with renameat2(RENAME_EXCHANGE) (a single atomic step; the old directory
// ends up in the temp name and is deleted). A crash or an exception at any point leaves the previous
// checkpoint intact; an exception also removes the temp directory.
//
// Model tensors are named as Hugging Face names them: CausalLM registers its modules so that
// named_parameters() keys are HF tensor names ("model.layers.0.self_attn.q_proj.weight"), and
// loading into a model is a copy by name.
#pragma once
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "model/model_config.h"

namespace r1::text {
class Tokenizer;
}

namespace r1::io {

struct CheckpointSaveOptions {
  const text::Tokenizer* tokenizer = nullptr;           // -> tokenizer.json when set
  std::optional<nlohmann::json> tokenizer_config;       // -> tokenizer_config.json when set
  // -> generation_config.json; when unset, {"_from_model_config": true, bos/eos from the config}.
  std::optional<nlohmann::json> generation_config;
  uint64_t max_shard_bytes = 0;                          // 0: one model.safetensors
  SaveOptions tensors;                                   // safetensors metadata, stored dtypes (FP8)
};

// Writes the directory atomically (see above). An existing `dir` is replaced only if it is a
// checkpoint (holds config.json) or empty; anything else is an error, never deleted.
void save_checkpoint(const std::string& dir, const model::ModelConfig& config, const TensorMap& tensors,
                     const CheckpointSaveOptions& opt = {});

struct Checkpoint {
  model::ModelConfig config;
  TensorMap tensors;
  std::optional<nlohmann::json> tokenizer_config;   // when tokenizer_config.json exists
  std::optional<nlohmann::json> generation_config;  // when generation_config.json exists
  std::string tokenizer_path;                       // dir/tokenizer.json when it exists, else empty
  MappedTensors mapped;  // the files the tensors were read from (a loader releases pages through it)
};

// Reads config.json and every tensor; floating tensors are converted to `dtype` when set (integer
// tensors keep theirs). FP8 block-scaled weights (DeepSeek-V3 layout, R1_SPEC §6.7): a tensor stored
// as F8_E4M3 with a sibling "<name>_scale_inv" is dequantized (weight × scale per block, block size
// from quantization_config.weight_block_size, default 128) and the scale tensor consumed; the
// config's quantization_config is then dropped, since the tensors are no longer FP8.
// To fill a model, pass no dtype and let load_into convert while it copies: one pass over zero-copy
// views. A dtype here allocates every converted tensor afresh, and first-touching that memory
// dominates (bench/checkpoint_bench.cpp: BF16 file into F32 params 0.7x the time of read()ing the
// file this way, ~6x with dtype = kFloat).
Checkpoint load_checkpoint_tensors(const std::string& dir, std::optional<at::ScalarType> dtype = std::nullopt);

// DeepSeek-V3 checkpoints repeat, in every MTP module model.layers.{N+k}, the main embedding and
// output head (embed_tokens, shared_head.head; see model/mtp.h), where a CausalLM has one parameter
// each: (copy's name, original's name) pairs for `config` (none for other families). The loader
// skips the copies; save_model_dir writes them so other tools find the layout they expect.
std::vector<std::pair<std::string, std::string>> mtp_shared_copies(const model::ModelConfig& config);

// The tensors of a module that belong in a checkpoint: every parameter and every buffer except
// scratch ones (a leaf name starting with '_', or the rotary caches inv_freq / cos_cached /
// sin_cached / freqs_cis that HF never saves). A tensor reachable under two names (tied embeddings)
// is kept once, under the name registered first. Tensors are detached views, not copies.
TensorMap named_tensors_of(const torch::nn::Module& m);

struct LoadReport {
  std::vector<std::string> loaded;
  std::vector<std::string> missing;     // in the module, not in `tensors`
  std::vector<std::string> unexpected;  // in `tensors`, not in the module
};

// Copies tensors into the module's parameters and buffers by name, under NoGradGuard, converting
// dtype. A shape mismatch is always an error naming the tensor and both shapes. strict: missing or
// unexpected tensors are an error listing them all. tie_word_embeddings: an absent lm_head.weight is
// filled from model.embed_tokens.weight (nothing to do when the module shares the two), and a
// present one is ignored when the module has no lm_head.
LoadReport load_into(torch::nn::Module& m, const TensorMap& tensors, bool strict = true,
                     bool tie_word_embeddings = false);

}  // namespace r1::io
