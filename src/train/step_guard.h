// The training guard every trainer runs (pretraining, SFT, GRPO): a step whose loss or gradient
// norm is not finite is skipped — no optimizer step, so the weights stay as they were — and logged;
// `max_in_a_row` such steps in a row stop the run with an r1::Error. Since nothing non-finite
// reaches the weights and checkpoints refuse non-finite weights (resumable_run.h), the last good
// checkpoint is what a stopped run leaves.
#pragma once
#include <cstdint>
#include <string>

namespace r1 {
class MetricsWriter;
}

namespace r1::train {

class StepGuard {
 public:
  // `stage` names the run in logs and errors; `advice` ends the stop error (where the last good
  // checkpoint is, what to change).
  StepGuard(std::string stage, int64_t max_in_a_row, std::string advice = "");

  // True: take the optimizer step. False: skip it — logged to `metrics` (optional) as
  // {stage, step, skipped: "non-finite loss" | "non-finite gradient norm", loss, grad_norm} and to
  // the console. Throws r1::Error at the max_in_a_row-th skipped step in a row.
  bool accept(int64_t step, double loss, double grad_norm, MetricsWriter* metrics);

  int64_t skipped() const { return skipped_; }  // over the whole run

 private:
  std::string stage_, advice_;
  int64_t max_in_a_row_, in_a_row_ = 0, skipped_ = 0;
};

}  // namespace r1::train
