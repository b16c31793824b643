// The language-model training loop shared by pretraining and SFT: batches of examples from a
// source, masked cross-entropy, AdamW with warmup + cosine, gradient clipping and accumulation,
// a progress line and one metrics line per step.
#pragma once
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "train/optimizer.h"
#include "train/resumable_run.h"
#include "train/token_batch.h"

namespace r1::model {
class CausalLMImpl;
}
namespace r1 {
class MetricsWriter;
}

namespace r1::train {

// Config keys, ranges and docs: train/train_schema.h (add every new field there).
struct LmTrainConfig {
  int64_t steps = 1000;
  int64_t batch_size = 64;         // examples per optimizer step (split into micro-batches)
  int64_t micro_batch_size = 0;    // 0 = whole batch at once; else gradient accumulation
  double lr = 3e-3;
  int64_t warmup_steps = 50;
  double min_lr_ratio = 0.1;
  double weight_decay = 0.01;
  double grad_clip = 1.0;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.95;
  int64_t log_every = 10;
};

// Returns the examples of optimizer step `step` (batch_size of them).
using ExampleSource = std::function<std::vector<Example>(int64_t step)>;

struct LmTrainResult {
  double final_loss = 0.0;  // mean of the last 10% of steps
  double seconds = 0.0;
  int64_t tokens = 0;
  int64_t start_step = 0, end_step = 0;  // the steps [start, end) this invocation ran
};

// `label` names the stage in progress lines and metrics ("pretrain", "sft"). No checkpoints; a
// non-finite step is skipped, 3 in a row stop it (train/step_guard.h).
LmTrainResult train_lm(model::CausalLMImpl& model, const ExampleSource& source, const LmTrainConfig& cfg,
                       int64_t pad_id, MetricsWriter* metrics, const std::string& label);

// The same loop as a resumable run (train/resumable_run.h): its optimizer restored from the latest
// checkpoint, steps [run.start_step(), run.end_step(cfg.steps)) of the cfg.steps-long schedule (the
// schedule and the source are functions of the step alone, so a resumed run continues both where
// they stopped), checkpoints as the run says with {step, total_steps} + state_of(steps_done)
// (optional) in trainer_state.json, guarded as the run's max_nonfinite_steps says. Metrics go to the
// run's writer under its stage name.
LmTrainResult train_lm_resumable(model::CausalLMImpl& model, const ExampleSource& source, const LmTrainConfig& cfg,
                                 int64_t pad_id, ResumableRun& run,
                                 const std::function<nlohmann::json(int64_t steps_done)>& state_of = {});

// cfg's AdamW settings (train/optimizer.h).
AdamWSettings adamw_settings(const LmTrainConfig& cfg);

// Sum over the batch of mask * cross-entropy (the training objective before dividing by tokens).
at::Tensor lm_loss_sum(model::CausalLMImpl& model, const TokenBatch& batch);

// Masked mean cross-entropy of a batch (for tests and evaluation).
double lm_loss(model::CausalLMImpl& model, const TokenBatch& batch);

}  // namespace r1::train
