#include "rl/overlong_shaping.h"

#include <algorithm>

#include "core/error.h"

namespace r1::rl {

double overlong_penalty(int64_t length, int64_t max_length, int64_t buffer, double penalty) {
  if (buffer <= 0) return 0.0;
  check(buffer <= max_length, "config key rl.overlong_buffer", "must not exceed rl.max_new_tokens");
  const int64_t exceed = length - (max_length - buffer);
  return std::min(0.0, -static_cast<double>(exceed) / static_cast<double>(buffer) * penalty);
}

}  // namespace r1::rl
