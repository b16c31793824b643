// The language-model training loop shared by pretraining and SFT: batches of examples from a
// source, masked cross-entropy, AdamW with warmup + cosine, gradient clipping and accumulation,
// a progress line and one metrics line per step.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "train/token_batch.h"

namespace r1::model {
class CausalLMImpl;
}
namespace torch::optim {
class AdamW;
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
};

// `label` names the stage in progress lines and metrics ("pretrain", "sft").
LmTrainResult train_lm(model::CausalLMImpl& model, const ExampleSource& source, const LmTrainConfig& cfg,
                       int64_t pad_id, MetricsWriter* metrics, const std::string& label);

// The same loop over steps [start_step, end_step) of a cfg.steps-long schedule with a caller-owned optimizer (whose moments may
// have been restored from a checkpoint), calling after_step(steps_done) after each optimizer step —
// what an exactly resumable trainer (train/sft.h) needs. The schedule is a function of the step alone,
// so resuming at start_step continues it where it stopped.
LmTrainResult train_lm_from(model::CausalLMImpl& model, const ExampleSource& source, const LmTrainConfig& cfg,
                            int64_t pad_id, MetricsWriter* metrics, const std::string& label,
                            torch::optim::AdamW& opt, int64_t start_step, int64_t end_step,
                            const std::function<void(int64_t steps_done)>& after_step);

// An AdamW over the model's parameters with cfg's betas and weight decay (lr is set every step).
std::unique_ptr<torch::optim::AdamW> make_adamw(model::CausalLMImpl& model, const LmTrainConfig& cfg);

// Sum over the batch of mask * cross-entropy (the training objective before dividing by tokens).
at::Tensor lm_loss_sum(model::CausalLMImpl& model, const TokenBatch& batch);

// Masked mean cross-entropy of a batch (for tests and evaluation).
double lm_loss(model::CausalLMImpl& model, const TokenBatch& batch);

}  // namespace r1::train
