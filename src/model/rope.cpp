#include "model/rope.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace r1::model {
namespace {

// YaRN's mscale(s, m) = 0.1 m ln(s) + 1, and 1 for s <= 1 (no extension).
double yarn_mscale(double factor, double m) { return factor <= 1.0 ? 1.0 : 0.1 * m * std::log(factor) + 1.0; }

}  // namespace

RopeParameters rope_parameters(int64_t rotary_dim, double theta, const RopeScaling& s,
                               int64_t max_position_embeddings) {
  const int64_t half = rotary_dim / 2;
  std::vector<double> f(half);
  for (int64_t i = 0; i < half; ++i) f[i] = std::pow(theta, -2.0 * i / rotary_dim);
  double attention_factor = 1.0;
  if (s.type == "yarn") {
    // Dimensions that rotate fewer than beta_slow times over the original context are interpolated
    // (divided by factor); those above beta_fast are kept; a linear ramp in between.
    const double original = s.original_max_position_embeddings > 0 ? s.original_max_position_embeddings
                                                                    : max_position_embeddings;
    auto corr_dim = [&](double rotations) {
      return rotary_dim * std::log(original / (rotations * 2 * M_PI)) / (2 * std::log(theta));
    };
    double low = std::max(std::floor(corr_dim(s.beta_fast)), 0.0);
    double high = std::min(std::ceil(corr_dim(s.beta_slow)), static_cast<double>(rotary_dim - 1));
    if (low == high) high += 0.001;  // avoid a zero-width ramp, as the reference does
    for (int64_t i = 0; i < half; ++i) {
      double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
      f[i] = f[i] / s.factor * ramp + f[i] * (1 - ramp);
    }
    attention_factor = yarn_attention_factor(s);
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
  // fp32 as Hugging Face holds inv_freq, so both round the same way.
  return {at::tensor(f, at::kDouble).to(at::kFloat), attention_factor};
}

double yarn_attention_factor(const RopeScaling& s) {
  if (s.type != "yarn") return 1.0;
  if (s.attention_factor > 0) return s.attention_factor;
  if (s.mscale != 0 && s.mscale_all_dim != 0) return yarn_mscale(s.factor, s.mscale) / yarn_mscale(s.factor, s.mscale_all_dim);
  return yarn_mscale(s.factor, 1.0);
}

double deepseek_softmax_scale_factor(const RopeScaling& s) {
  if (s.type == "none" || s.mscale_all_dim == 0.0) return 1.0;
  const double m = yarn_mscale(s.factor, s.mscale_all_dim);
  return m * m;
}

RotaryTables rotary_tables(const at::Tensor& positions, const RopeParameters& rope) {
  // [B, T, 1] * [D/2] -> [B, T, D/2]; angles in fp32 (positions up to 1e6 stay exact enough).
  auto angles = positions.to(at::kFloat).unsqueeze(-1) * rope.inv_freq.to(positions.device());
  if (rope.attention_factor == 1.0) return {angles.cos(), angles.sin()};
  return {angles.cos() * rope.attention_factor, angles.sin() * rope.attention_factor};
}

at::Tensor apply_rotary(const at::Tensor& x, const RotaryTables& t, bool interleave) {
  auto cos = t.cos.unsqueeze(1), sin = t.sin.unsqueeze(1);  // [B, 1, T, D/2]
  if (cos.scalar_type() != x.scalar_type()) {
    cos = cos.to(x.scalar_type());
    sin = sin.to(x.scalar_type());
  }
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
