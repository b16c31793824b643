// Loading a checkpoint directory for inference (r1 generate, r1 eval, r1 serve, rollouts), with
// the projections and output head optionally quantized (model/quantize_model.h). One schema struct,
// InferenceLoad, carries the options every such command takes (--quant, --quant_kernel).
//
// A quantized load streams: the model is built without initialising its weights
// (model::SkipWeightInit), each projection is quantized straight from its checkpoint tensor — a
// zero-copy view of the mapped bf16/fp32 file — and that tensor's mapped pages are dropped right
// after, so neither the fp32 model nor the whole mapped file is ever resident. What remains (norms,
// the embedding in bf16, biases) is copied in by name as load_model_dir does, and the mapping is
// released when the load returns. Peak memory is about the quantized model plus one tensor.
// A GGUF file takes the same path (io/gguf_load.h), its quantized matrices as stored.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/schema.h"
#include "io/model_dir.h"
#include "io/safetensors.h"
#include "kernels/quant_blocks.h"
#include "model/f32_linear.h"
#include "model/quantize_model.h"

namespace r1::io {

enum class WeightQuant { none, int8, int4 };

inline const std::vector<std::pair<WeightQuant, std::string>>& enum_names(WeightQuant) {
  static const std::vector<std::pair<WeightQuant, std::string>> names = {
      {WeightQuant::none, "none"}, {WeightQuant::int8, "int8"}, {WeightQuant::int4, "int4"}};
  return names;
}

// int8 -> GGML Q8_0, int4 -> Q4_0 (byte-compatible with llama.cpp's files of those types; int4's
// output head is Q8_0, see quantize_options).
kernels::QuantType quant_type_of(WeightQuant q);

struct InferenceLoad {
  WeightQuant quant = WeightQuant::none;
  std::string quant_kernel = "auto";
  int quant_threads = 0;
  std::string f32_kernel = "auto";
  std::string tokenizer;  // a tokenizer.json used instead of the model's own; empty: the model's
};

template <class V>
void visit_fields(V& v, InferenceLoad& c) {
  using namespace r1::schema;
  v.field("quant", c.quant,
          "weights of the projections and output head: none (fp32), int8 (Q8_0 blocks, 8.5 bits), int4 (Q4_0, "
          "4.5 bits; the head Q8_0, as llama.cpp's Q4_0 files); activations stay fp32, the embedding table bf16; "
          "CPU only");
  v.field("quant_kernel", c.quant_kernel,
          "quantized product: auto (fastest available), avx2 (AVX2/FMA), reference (portable scalar)",
          one_of({"auto", "avx2", "reference"}));
  v.field("quant_threads", c.quant_threads,
          "threads of the decode products (the quantized kernels, and fp32's with f32_kernel avx2): 0 = ATen's "
          "intra-op threads; N = a team of N of their own, so batch-1 decode can use N cores for the memory-bound "
          "products with ATen at 1 thread (bench/README.md)",
          at_least(0) | kNotResult);
  v.field("f32_kernel", c.f32_kernel,
          "fp32 projections on the CPU at up to 4 rows (decode): avx2 (a matrix-vector kernel reading each weight once, "
          "rows split over quant_threads), aten (at::matmul, the plain path), auto (avx2 where the CPU has it); more "
          "rows (prefill) always take at::matmul",
          one_of({"auto", "avx2", "aten"}) | kNotResult);
  v.field("tokenizer", c.tokenizer,
          "a tokenizer.json to use instead of the model's own: needed for a .gguf file whose pre-tokenizer r1cpp "
          "cannot rebuild from its metadata (it knows qwen2, deepseek-r1-qwen, llama-bpe, llama3, llama-v3, gpt-2)");
}

// The fp32 kernel settings for these options, or nullopt when f32_kernel selects the plain path (aten,
// or auto on a CPU without AVX2/FMA); an r1::Error naming option f32_kernel when avx2 is unavailable.
std::optional<model::F32LinearConfig> f32_linear_options(const InferenceLoad& opt);

// The model layers' settings for these options (an r1::Error naming option quant_kernel when the
// path is unavailable on this CPU).
model::QuantizeOptions quantize_options(const InferenceLoad& opt);

// A quantized model of `config` from `tensors` (checkpoint names, any float dtype; e.g. zero-copy views
// of a mapped file, or io::named_tensors_of(a live model)): the core of the streaming load, also how
// GRPO re-quantizes its rollout copy from the policy's fp32 weights (rl.rollout_quant). Projections
// and the head become blocks (`q`), the rest is copied in; `release` (optional) is called with
// each tensor's name once it has been converted. An r1::Error naming `where` lists tensors missing
// or unexpected.
// `stored` (optional) answers a projection's stored blocks (WeightSource::blocks); without it,
// blocks are read from `tensors` in the quantized-checkpoint layout (io/quantized_checkpoint.h).
using StoredBlockLookup = std::function<model::StoredBlocks(const std::string& layer, kernels::QuantType wanted)>;
model::CausalLM quantized_model(const model::ModelConfig& config, TensorMap tensors, const model::QuantizeOptions& q,
                                const std::string& where, model::QuantizeReport* report = nullptr,
                                const std::function<void(const std::string&)>& release = {},
                                const StoredBlockLookup& stored = {});

// load_model_dir (fp32 on `device`) for quant none; otherwise the streaming quantized load above
// (CPU only). On the CPU the fp32 projections left (all of them for quant none) then become
// F32Linear layers (model/f32_linear.h) unless f32_kernel selects aten. `report`, when given, receives what was quantized. A path to a .gguf file (or any
// file that starts with GGUF's magic) loads through io/gguf_load.h instead: its Q8_0/Q4_0/Q4_1
// projections as stored. opt.tokenizer, when set, replaces the model's tokenizer.
LoadedModel load_for_inference(const std::string& dir, const InferenceLoad& opt,
                               const torch::Device& device = torch::kCPU, model::QuantizeReport* report = nullptr);

// What errors about the model's tokenizer_config name: DIR/tokenizer_config.json, or for a GGUF
// file its metadata.
std::string tokenizer_config_where(const std::string& model);

}  // namespace r1::io
