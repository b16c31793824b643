// Resumable training checkpoints, shared by SFT and GRPO.
//
// OUT/checkpoints/step-N holds the model (HF layout, io/model_dir.h), optimizer.safetensors (AdamW
// moments "<param>.exp_avg", "<param>.exp_avg_sq" and "<param>.step") and trainer_state.json (what
// the trainer needs to continue: step, data position, seeds, ...). Each is assembled in a temporary
// directory and renamed into place, and only then does the `latest` file (written atomically) point
// at it: a crash mid-checkpoint leaves the previous one in force.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "io/safetensors.h"
#include "model/causal_lm.h"
#include "text/tokenizer.h"
#include "train/optimizer.h"

namespace r1::train {

class TrainingCheckpoints {
 public:
  // keep: newest step-N directories kept (at least 1).
  explicit TrainingCheckpoints(std::string out_dir, int64_t keep = 2);

  // The step-N directory `latest` points at, or "" when there is none. A `latest` naming an
  // incomplete directory is an r1::Error naming both.
  std::string latest() const;

  // Writes step-N (model + tokenizer files when given + the optimizer's state, Optimizer::state() +
  // `state` + each of `extra` as step-N/<name>.safetensors, e.g. GRPO's reference model) and points
  // `latest` at it, then prunes older step directories.
  void save(int64_t step, const model::CausalLMImpl& model, const io::TensorMap& optimizer_state, const nlohmann::json& state,
            const text::Tokenizer* tokenizer = nullptr, const nlohmann::json& tokenizer_config = nullptr,
            const std::map<std::string, io::TensorMap>& extra = {}) const;

  // Loads the weights and AdamW state of checkpoint `dir` into model and opt (which must be the
  // model's optimizer); returns its trainer_state.json.
  nlohmann::json restore(const std::string& dir, model::CausalLMImpl& model, Optimizer& opt) const;

 private:
  std::string root_;  // OUT/checkpoints
  int64_t keep_;
};

}  // namespace r1::train
