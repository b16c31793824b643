#include "io/model_dir.h"

#include "core/error.h"
#include "io/quantized_checkpoint.h"

#include "io/checkpoint.h"

namespace r1::io {
LoadedModel load_model_dir(const std::string& dir, at::ScalarType dtype, const torch::Device& device) {
  Checkpoint ck = load_checkpoint_tensors(dir, dtype);
  const auto stored = stored_quant(ck.config, dir + "/config.json");
  if (stored != WeightQuant::none) {
    const std::string s = schema::detail::value_to_json(stored).get<std::string>();
    throw Error(dir, "stores " + s + " weights (r1 export --quant " + s + "), which run for inference only: load it with "
                     "--quant " + s + " (r1 generate, eval, serve, perplexity), or export the fp32 checkpoint instead");
  }
  LoadedModel out;
  out.model = model::CausalLM(ck.config);
  out.model->to(device, dtype);
  load_into(*out.model, ck.tensors, /*strict=*/true, ck.config.tie_word_embeddings);
  if (!ck.tokenizer_path.empty()) out.tokenizer = text::Tokenizer::from_file(ck.tokenizer_path);
  if (ck.tokenizer_config) out.tokenizer_config = *ck.tokenizer_config;
  return out;
}

void save_model_dir(const std::string& dir, const model::CausalLMImpl& model, const text::Tokenizer* tokenizer,
                    const nlohmann::json& tokenizer_config) {
  CheckpointSaveOptions opt;
  opt.tokenizer = tokenizer;
  if (!tokenizer_config.is_null()) opt.tokenizer_config = tokenizer_config;
  TensorMap tensors = named_tensors_of(model);
  for (const auto& [copy, original] : mtp_shared_copies(model.config())) tensors.emplace(copy, tensors.at(original));
  save_checkpoint(dir, model.config(), tensors, opt);
}

}  // namespace r1::io
