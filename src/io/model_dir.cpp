#include "io/model_dir.h"

#include "io/checkpoint.h"

namespace r1::io {
namespace {

// DeepSeek-V3 checkpoints repeat, in every MTP module model.layers.{N+k}, the main embedding and
// output head (embed_tokens, shared_head.head; see model/mtp.h). Here they are one parameter each.
std::vector<std::pair<std::string, std::string>> mtp_shared_copies(const model::ModelConfig& c) {
  std::vector<std::pair<std::string, std::string>> out;  // (copy's name, the original's name)
  if (!c.is_deepseek()) return out;
  const std::string head = c.tie_word_embeddings ? "model.embed_tokens.weight" : "lm_head.weight";
  for (int64_t k = 0; k < c.num_nextn_predict_layers; ++k) {
    const std::string layer = "model.layers." + std::to_string(c.num_hidden_layers + k) + ".";
    out.emplace_back(layer + "embed_tokens.weight", "model.embed_tokens.weight");
    out.emplace_back(layer + "shared_head.head.weight", head);
  }
  return out;
}

}  // namespace

LoadedModel load_model_dir(const std::string& dir, at::ScalarType dtype, const torch::Device& device) {
  Checkpoint ck = load_checkpoint_tensors(dir, dtype);
  LoadedModel out;
  out.model = model::CausalLM(ck.config);
  out.model->to(device, dtype);
  for (const auto& [copy, original] : mtp_shared_copies(ck.config)) ck.tensors.erase(copy);
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
