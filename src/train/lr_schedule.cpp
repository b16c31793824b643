#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace r1::train {

double LrSchedule::at(int64_t step) const {
  if (warmup_steps > 0 && step < warmup_steps) return lr * (step + 1) / static_cast<double>(warmup_steps);
  if (kind == "constant") return lr;
  double span = std::max<int64_t>(1, total_steps - warmup_steps);
  double progress = std::clamp((step - warmup_steps) / span, 0.0, 1.0);
  double cosine = 0.5 * (1 + std::cos(M_PI * progress));
  return lr * (min_lr_ratio + (1 - min_lr_ratio) * cosine);
}

}  // namespace r1::train
