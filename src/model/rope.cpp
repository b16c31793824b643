#include "model/rope.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace r1::model {

at::Tensor rope_inv_freq(int64_t rotary_dim, double theta, const RopeScaling& s) {
  const int64_t half = rotary_dim / 2;
  std::vector<double> f(half);
  for (int64_t i = 0; i < half; ++i) f[i] = std::pow(theta, -2.0 * i / rotary_dim);
  if (s.type == "yarn" && s.factor > 1.0) {
    // Dimensions that rotate fewer than beta_slow times over the original context are interpolated
    // (divided by factor); those above beta_fast are kept; a linear ramp in between.
    auto corr_dim = [&](double rotations) {
      return rotary_dim * std::log(s.original_max_position_embeddings / (rotations * 2 * M_PI)) /
             (2 * std::log(theta));
    };
    double low = std::max(std::floor(corr_dim(s.beta_fast)), 0.0);
    double high = std::min(std::ceil(corr_dim(s.beta_slow)), static_cast<double>(rotary_dim - 1));
    if (low == high) high += 0.001;  // avoid a zero-width ramp, as the reference does
    for (int64_t i = 0; i < half; ++i) {
      double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
      f[i] = f[i] / s.factor * ramp + f[i] * (1 - ramp);
    }
  } else if (s.type == "linear" && s.factor > 0) {
    for (auto& x : f) x /= s.factor;
  } else if (s.type == "llama3") {
    double low_wavelen = s.original_max_position_embeddings / s.low_freq_factor;
    double high_wavelen = s.original_max_position_embeddings / s.high_freq_factor;
    for (auto& x : f) {
      double wavelen = 2 * M_PI / x;
      if (wavelen > low_wavelen) {
        x /= s.factor;
      } else if (wavelen >= high_wavelen) {
        double smooth = (s.original_max_position_embeddings / wavelen - s.low_freq_factor) /
                        (s.high_freq_factor - s.low_freq_factor);
        x = (1 - smooth) * x / s.factor + smooth * x;
      }
    }
  } else {
    check(s.type == "none" || s.type == "default" || s.factor == 1.0, "model config field rope_scaling.type",
          "unsupported rope scaling '" + s.type + "' (supported: none, yarn, linear, llama3)");
  }
  return at::tensor(f, at::kDouble).to(at::kFloat);
}

double yarn_softmax_scale_factor(const RopeScaling& s) {
  // As HF's DeepSeek-V3: scale *= mscale^2 with mscale = 0.1 * mscale_all_dim * ln(factor) + 1.
  if (s.type != "yarn" || s.factor <= 1.0 || s.mscale_all_dim == 0.0) return 1.0;
  double m = 0.1 * s.mscale_all_dim * std::log(s.factor) + 1.0;
  return m * m;
}

RotaryTables rotary_tables(const at::Tensor& positions, const at::Tensor& inv_freq) {
  // [B, T, 1] * [D/2] -> [B, T, D/2]; angles in fp32 (positions up to 1e6 stay exact enough).
  auto angles = positions.to(at::kFloat).unsqueeze(-1) * inv_freq.to(positions.device());
  return {angles.cos(), angles.sin()};
}

at::Tensor apply_rotary(const at::Tensor& x, const RotaryTables& t, bool interleave) {
  auto cos = t.cos.unsqueeze(1).to(x.scalar_type());  // [B, 1, T, D/2]
  auto sin = t.sin.unsqueeze(1).to(x.scalar_type());
  if (interleave) {
    auto pairs = x.unflatten(-1, {-1, 2});  // [B, H, T, D/2, 2]
    auto a = pairs.select(-1, 0), b = pairs.select(-1, 1);
    return at::stack({a * cos - b * sin, a * sin + b * cos}, -1).flatten(-2);
  }
  const int64_t half = x.size(-1) / 2;
  auto a = x.narrow(-1, 0, half), b = x.narrow(-1, half, half);
  return at::cat({a * cos - b * sin, b * cos + a * sin}, -1);
}

}  // namespace r1::model
