// The one resumable-run helper of every trainer (pretraining, SFT, GRPO): step checkpoints every
// `checkpoint_every` steps, the newest `keep` of them kept, and a restart that continues from the
// latest one.
//
// DIR/checkpoints/step-N is a complete Hugging Face model directory (config.json, safetensors,
// tokenizer.json and tokenizer_config.json with its chat template when the run has them: `r1
// generate` loads it as it is) plus optimizer.safetensors, the trainer's extra tensors (GRPO's
// reference model) and trainer_state.json {step, fingerprint, ...} (train/training_checkpoint.h).
//
// begin() on a restart:
//   - removes the temporary directories an interrupted save left (checkpoints/.step-N.partial and
//     its .tmp-* siblings);
//   - resume = auto: continues from the latest checkpoint when its fingerprint (the result-affecting
//     config: model, data, optimizer, algorithm, seeds) equals this run's, and refuses one that
//     differs, naming the keys; force: continues whatever the fingerprint; never: starts over at
//     step 0, the old step checkpoints removed;
//   - drops this stage's metrics.jsonl rows at or past the step it starts from, so a resumed run
//     never writes a step twice.
// save() refuses weights that are not finite: a checkpoint is always a good one.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "io/safetensors.h"
#include "train/run_control.h"
#include "train/training_checkpoint.h"

namespace r1 {
class MetricsWriter;
}
namespace r1::dist {
class Runtime;
}

namespace r1::train {

// Where a run writes.
struct RunOutput {
  std::string dir;    // checkpoints go to DIR/checkpoints
  std::string stage;  // the "stage" of this trainer's metrics rows
  MetricsWriter* metrics = nullptr;            // its rows past the resumed step are dropped
  const text::Tokenizer* tokenizer = nullptr;  // saved in every step checkpoint when set
  nlohmann::json tokenizer_config;             // idem, when not null
  // The job this run is one rank of (null = one process): every rank restores the checkpoint, rank 0
  // alone writes checkpoints and metrics.
  dist::Runtime* runtime = nullptr;
};

// The keys whose values differ between two fingerprints, "a.b: old -> new" each, comma-separated
// ("" when equal).
std::string fingerprint_difference(const nlohmann::json& saved, const nlohmann::json& now);

class ResumableRun {
 public:
  ResumableRun(RunControl control, RunOutput out);

  // Restores the latest checkpoint into model and opt as the resume mode says; returns its
  // trainer_state.json (null when starting fresh). Call once, before training, on every rank: a
  // checkpoint written on another world size is resumed with a warning.
  nlohmann::json begin(model::CausalLMImpl& model, Optimizer& opt);
  // The step begin() resumed at (0 when fresh), and the checkpoint it came from ("" when fresh).
  int64_t start_step() const { return start_; }
  const std::string& resumed_from() const { return resumed_from_; }

  // Where this invocation stops in a `total_steps` schedule: the end, or stop_after steps past the
  // resumed step.
  int64_t end_step(int64_t total_steps) const;

  // Whether a checkpoint is due after `steps_done` steps of an invocation ending at `end`.
  bool due(int64_t steps_done, int64_t end) const;

  // Writes checkpoints/step-N with `state` + the fingerprint + the world size; an r1::Error (nothing
  // written) when a weight is not finite. Every rank calls it (a sharded optimizer's state is
  // gathered); rank 0 writes.
  void save(int64_t steps_done, const model::CausalLMImpl& model, Optimizer& opt, nlohmann::json state,
            const std::map<std::string, io::TensorMap>& extra = {}) const;

  // The step-N directory `latest` points at ("" when none).
  std::string latest() const { return checkpoints_.latest(); }
  const RunControl& control() const { return control_; }
  const RunOutput& output() const { return out_; }
  bool is_main() const;  // rank 0, or one process

 private:
  RunControl control_;
  RunOutput out_;
  TrainingCheckpoints checkpoints_;
  int64_t start_ = 0;
  std::string resumed_from_;
};

}  // namespace r1::train
