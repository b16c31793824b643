#include "io/inference_load.h"

#include <torch/torch.h>

#include <set>

#include "core/error.h"
#include "io/checkpoint.h"

namespace r1::io {

kernels::QuantType quant_type_of(WeightQuant q) {
  check(q != WeightQuant::none, "quant_type_of", "quant none has no block format");
  return q == WeightQuant::int8 ? kernels::QuantType::q8_0 : kernels::QuantType::q4_0;
}

model::QuantizeOptions quantize_options(const InferenceLoad& opt) {
  model::QuantizeOptions q;
  q.type = quant_type_of(opt.quant);
  if (q.type == kernels::QuantType::q4_0) q.head_type = kernels::QuantType::q8_0;  // as llama.cpp's Q4_0 files
  q.linear.kernel = kernels::resolve_kernel({opt.quant_kernel, "q8_0"}, "option quant_kernel");
  return q;
}

LoadedModel load_for_inference(const std::string& dir, const InferenceLoad& opt, const torch::Device& device,
                               model::QuantizeReport* report) {
  if (opt.quant == WeightQuant::none) return load_model_dir(dir, at::kFloat, device);
  check(device.is_cpu(), dir,
        "quantized weights run on the CPU (on CUDA bf16 stays the default): load with quant none there");
  const auto q = quantize_options(opt);
  Checkpoint ck = load_checkpoint_tensors(dir);  // zero-copy views of the mapped files (no dtype)
  LoadedModel out;
  {
    model::SkipWeightInit skip;  // every weight is replaced or overwritten below
    out.model = model::CausalLM(ck.config);
  }
  // Tensors converted by the quantizer leave the map (and their pages leave memory) at once.
  std::set<std::string> consumed;
  const auto release = [&](const std::string& name) {
    auto f = ck.mapped.file_of.find(name);
    if (f != ck.mapped.file_of.end()) f->second->release(name);
  };
  model::WeightSource source;
  source.get = [&](const std::string& name) {
    auto it = ck.tensors.find(name);
    return it == ck.tensors.end() ? torch::Tensor() : it->second;
  };
  source.done = [&](const std::string& name) {
    ck.tensors.erase(name);
    release(name);
    consumed.insert(name);
  };
  auto rep = model::quantize_for_inference(*out.model, q, source);

  auto loaded = load_into(*out.model, ck.tensors, /*strict=*/false, ck.config.tie_word_embeddings);
  std::vector<std::string> missing;
  for (const auto& name : loaded.missing)
    if (!consumed.count(name)) missing.push_back(name);
  if (!missing.empty() || !loaded.unexpected.empty()) {
    std::string what;
    for (const auto& n : missing) what += " missing from checkpoint: " + n + ";";
    for (const auto& n : loaded.unexpected) what += " unexpected in checkpoint: " + n + ";";
    throw Error(dir, "quantized load:" + what);
  }
  for (const auto& name : loaded.loaded) release(name);
  if (!ck.tokenizer_path.empty()) out.tokenizer = text::Tokenizer::from_file(ck.tokenizer_path);
  if (ck.tokenizer_config) out.tokenizer_config = *ck.tokenizer_config;
  if (report) *report = std::move(rep);
  return out;  // ck goes out of scope: the files are unmapped
}

}  // namespace r1::io
