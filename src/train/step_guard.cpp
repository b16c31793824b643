#include "train/step_guard.h"

#include <cmath>

#include "core/error.h"
#include "core/log.h"
#include "core/metrics.h"

namespace r1::train {

StepGuard::StepGuard(std::string stage, int64_t max_in_a_row, std::string advice)
    : stage_(std::move(stage)), advice_(std::move(advice)), max_in_a_row_(std::max<int64_t>(1, max_in_a_row)) {}

bool StepGuard::accept(int64_t step, double loss, double grad_norm, MetricsWriter* metrics) {
  if (std::isfinite(loss) && std::isfinite(grad_norm)) {
    in_a_row_ = 0;
    return true;
  }
  ++in_a_row_;
  ++skipped_;
  const std::string why = std::isfinite(loss) ? "non-finite gradient norm" : "non-finite loss";
  // JSON has no NaN/Inf: the values are written as strings.
  if (metrics)
    metrics->write({{"stage", stage_}, {"step", step}, {"skipped", why}, {"loss", std::to_string(loss)},
                    {"grad_norm", std::to_string(grad_norm)}});
  log_warn(stage_ + " step " + std::to_string(step) + ": " + why + " (loss " + std::to_string(loss) + ", grad norm " +
           std::to_string(grad_norm) + "); step skipped, weights unchanged");
  check(in_a_row_ < max_in_a_row_, stage_ + " step " + std::to_string(step),
        std::to_string(in_a_row_) + " steps in a row had a " + why +
            "; stopping. Lower the learning rate or check the data" + (advice_.empty() ? "" : "; " + advice_));
  return false;
}

}  // namespace r1::train
