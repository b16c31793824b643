// Learning-rate schedule: linear warmup, then cosine decay to min_lr_ratio * lr.
#pragma once
#include <cstdint>
#include <string_view>

namespace r1::train {

struct LrSchedule {
  double lr = 1e-3;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
  double min_lr_ratio = 0.1;
  std::string_view kind = "cosine";  // "cosine" | "constant" (after warmup)

  double at(int64_t step) const;
};

}  // namespace r1::train
