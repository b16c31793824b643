// A model as a Hugging Face checkpoint directory: load one into a CausalLM (with its tokenizer when
// present) and save a CausalLM with its tokenizer — what every command that takes --model uses.
#pragma once
#include <optional>
#include <string>

#include "model/causal_lm.h"
#include "text/tokenizer.h"

namespace r1::io {

struct LoadedModel {
  model::CausalLM model{nullptr};
  std::optional<text::Tokenizer> tokenizer;  // when DIR/tokenizer.json exists
  nlohmann::json tokenizer_config;           // DIR/tokenizer_config.json, or null
};

// Weights are converted to `dtype` (fp32 by default: CPU compute) and moved to `device`.
LoadedModel load_model_dir(const std::string& dir, at::ScalarType dtype = at::kFloat,
                           const torch::Device& device = torch::kCPU);

// Atomic (see io/checkpoint.h): a crash leaves the previous directory.
void save_model_dir(const std::string& dir, const model::CausalLMImpl& model, const text::Tokenizer* tokenizer,
                    const nlohmann::json& tokenizer_config = nullptr);

}  // namespace r1::io
