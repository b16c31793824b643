#include "io/inference_load.h"

#include <torch/torch.h>

#include <set>

#include "core/error.h"
#include "io/checkpoint.h"
#include "io/gguf_load.h"
#include "io/hf_config.h"
#include "io/quantized_checkpoint.h"
#include "kernels/f32_matvec.h"

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
  q.linear.threads = opt.quant_threads;
  return q;
}

std::optional<model::F32LinearConfig> f32_linear_options(const InferenceLoad& opt) {
  const bool avx2 = kernels::f32_matvec_available();
  check(opt.f32_kernel != "avx2" || avx2, "option f32_kernel",
        "avx2: this CPU (or this build) has no AVX2/FMA; use auto or aten");
  if (opt.f32_kernel == "aten" || !avx2) return std::nullopt;
  model::F32LinearConfig c;
  c.threads = opt.quant_threads;
  return c;
}

model::CausalLM quantized_model(const model::ModelConfig& config, TensorMap tensors, const model::QuantizeOptions& q,
                                const std::string& where, model::QuantizeReport* report,
                                const std::function<void(const std::string&)>& release,
                                const StoredBlockLookup& stored) {
  model::CausalLM m{nullptr};
  {
    model::SkipWeightInit skip;  // every weight is replaced or overwritten below
    m = model::CausalLM(config);
  }
  std::set<std::string> consumed;
  model::WeightSource source;
  source.get = [&](const std::string& name) {
    auto it = tensors.find(name);
    return it == tensors.end() ? torch::Tensor() : it->second;
  };
  source.done = [&](const std::string& name) {
    tensors.erase(name);
    if (release) release(name);
    consumed.insert(name);
  };
  // Stored blocks are taken as they are: a GGUF file's through `stored`, a quantized checkpoint's
  // (io/quantized_checkpoint.h) from the tensors.
  source.blocks = [&](const std::string& layer, kernels::QuantType wanted) {
    if (stored) return stored(layer, wanted);
    model::StoredBlocks b;
    b.type = wanted;
    b.data = blocks_from_stored(
        wanted, [&](const std::string& n) { return source.get(n); }, layer, &b.tensors);
    return b;
  };
  auto rep = model::quantize_for_inference(*m, q, source);

  auto loaded = load_into(*m, tensors, /*strict=*/false, config.tie_word_embeddings);
  std::vector<std::string> missing;
  for (const auto& name : loaded.missing)
    if (!consumed.count(name)) missing.push_back(name);
  if (!missing.empty() || !loaded.unexpected.empty()) {
    std::string what;
    for (const auto& n : missing) what += " missing from checkpoint: " + n + ";";
    for (const auto& n : loaded.unexpected) what += " unexpected in checkpoint: " + n + ";";
    throw Error(where, "quantized load:" + what);
  }
  if (release)
    for (const auto& name : loaded.loaded) release(name);
  if (report) *report = std::move(rep);
  return m;
}

namespace {

LoadedModel load_dir_for_inference(const std::string& dir, const InferenceLoad& opt, const torch::Device& device,
                                   model::QuantizeReport* report) {
  const std::string quant_name = schema::detail::value_to_json(opt.quant).get<std::string>();
  const auto stored = stored_quant(load_hf_config(dir + "/config.json"), dir + "/config.json");
  if (stored != WeightQuant::none) {
    const std::string s = schema::detail::value_to_json(stored).get<std::string>();
    check(stored == opt.quant, dir,
          "stores " + s + " weights (r1 export --quant " + s + "), not " + quant_name + ": load it with --quant " + s);
  }
  if (opt.quant == WeightQuant::none) return load_model_dir(dir, at::kFloat, device);
  check(device.is_cpu(), dir,
        "quantized weights run on the CPU (on CUDA bf16 stays the default): load with quant none there");
  Checkpoint ck = load_checkpoint_tensors(dir);  // zero-copy views of the mapped files (no dtype)
  LoadedModel out;
  // Tensors converted leave the map (and their pages leave memory) at once.
  out.model = quantized_model(ck.config, std::move(ck.tensors), quantize_options(opt), dir, report,
                              [&](const std::string& name) {
                                auto f = ck.mapped.file_of.find(name);
                                if (f != ck.mapped.file_of.end()) f->second->release(name);
                              });
  if (!ck.tokenizer_path.empty()) out.tokenizer = text::Tokenizer::from_file(ck.tokenizer_path);
  if (ck.tokenizer_config) out.tokenizer_config = *ck.tokenizer_config;
  return out;  // ck goes out of scope: the files are unmapped
}

}  // namespace

LoadedModel load_for_inference(const std::string& path, const InferenceLoad& opt, const torch::Device& device,
                               model::QuantizeReport* report) {
  LoadedModel out = gguf::is_gguf_file(path) ? gguf::load_gguf_for_inference(path, opt, device, report)
                                             : load_dir_for_inference(path, opt, device, report);
  if (device.is_cpu())
    if (auto f32 = f32_linear_options(opt)) model::freeze_f32_for_inference(*out.model, *f32);
  if (!opt.tokenizer.empty()) out.tokenizer = text::Tokenizer::from_file(opt.tokenizer);
  return out;
}

std::string tokenizer_config_where(const std::string& model) {
  return gguf::is_gguf_file(model) ? model + " (its tokenizer.* metadata)" : model + "/tokenizer_config.json";
}

}  // namespace r1::io
