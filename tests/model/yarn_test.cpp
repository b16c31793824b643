// YaRN for the Qwen2/Llama family against a transcription of Hugging Face's
// modeling_rope_utils._compute_yarn_parameters and modeling_qwen2's rotary attention, for the three
// ways the attention factor is set (explicit; mscale / mscale_all_dim; 0.1 ln(factor) + 1) and for a
// rope_scaling without original_max_position_embeddings (the ramp then uses max_position_embeddings).
// The model-level check reads layer 0's attention input and output through the named intermediates
// and recomputes the attention from the layer's weights with HF's cos/sin.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <map>
#include <optional>

#include "model/causal_lm.h"
#include "model/presets.h"
#include "model/qwen2_llama.h"
#include "model/rope.h"

using namespace r1::model;

namespace {

// The keys of HF's rope_scaling dict that yarn reads; nullopt = absent.
struct HfYarn {
  double factor = 4.0;
  std::optional<double> attention_factor, mscale, mscale_all_dim, beta_fast, beta_slow;
  std::optional<int64_t> original_max_position_embeddings;
};

struct HfRope {
  std::vector<double> inv_freq;
  double attention_factor;
};

// _compute_yarn_parameters, line by line (the ramp's torch.float32 arange kept in double here).
HfRope hf_compute_yarn_parameters(const HfYarn& rs, double base, int64_t dim, int64_t max_position_embeddings) {
  const double factor = rs.factor;
  const double original = rs.original_max_position_embeddings ? double(*rs.original_max_position_embeddings)
                                                              : double(max_position_embeddings);
  auto get_mscale = [](double scale, double mscale) { return scale <= 1 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0; };
  double attention_factor;
  if (rs.attention_factor) {
    attention_factor = *rs.attention_factor;
  } else if (rs.mscale.value_or(0) != 0 && rs.mscale_all_dim.value_or(0) != 0) {  // `if mscale and mscale_all_dim`
    attention_factor = get_mscale(factor, *rs.mscale) / get_mscale(factor, *rs.mscale_all_dim);
  } else {
    attention_factor = get_mscale(factor, 1.0);
  }
  const double beta_fast = rs.beta_fast.value_or(32), beta_slow = rs.beta_slow.value_or(1);
  auto find_correction_dim = [&](double rotations) {
    return (dim * std::log(original / (rotations * 2 * M_PI))) / (2 * std::log(base));
  };
  double low = std::max(std::floor(find_correction_dim(beta_fast)), 0.0);
  double high = std::min(std::ceil(find_correction_dim(beta_slow)), double(dim - 1));
  if (low == high) high += 0.001;
  HfRope out{{}, attention_factor};
  for (int64_t i = 0; i < dim / 2; ++i) {
    const double pos_freq = std::pow(base, double(2 * i) / dim);
    const double extrapolation = 1.0 / pos_freq, interpolation = 1.0 / (factor * pos_freq);
    const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
    const double keep = 1 - ramp;  // inv_freq_extrapolation_factor
    out.inv_freq.push_back(interpolation * (1 - keep) + extrapolation * keep);
  }
  return out;
}

RopeScaling ours(const HfYarn& h) {
  RopeScaling s;
  s.type = "yarn";
  s.factor = h.factor;
  s.attention_factor = h.attention_factor.value_or(0);
  s.mscale = h.mscale.value_or(0);
  s.mscale_all_dim = h.mscale_all_dim.value_or(0);
  s.beta_fast = h.beta_fast.value_or(32);
  s.beta_slow = h.beta_slow.value_or(1);
  s.original_max_position_embeddings = h.original_max_position_embeddings.value_or(0);
  return s;
}

// The cases: name -> (rope_scaling, the attention factor HF derives, written out).
std::map<std::string, std::pair<HfYarn, double>> cases() {
  HfYarn explicit_factor;  // explicit wins even with both mscales present
  explicit_factor.attention_factor = 1.7;
  explicit_factor.mscale = 1.0;
  explicit_factor.mscale_all_dim = 0.5;
  explicit_factor.original_max_position_embeddings = 64;
  HfYarn ratio;  // (0.1 ln 4 + 1) / (0.05 ln 4 + 1)
  ratio.mscale = 1.0;
  ratio.mscale_all_dim = 0.5;
  ratio.original_max_position_embeddings = 64;
  HfYarn log_rule;  // Qwen2.5's long-context setting: only factor and the original context
  log_rule.original_max_position_embeddings = 64;
  HfYarn no_original = log_rule;  // the ramp falls back to max_position_embeddings
  no_original.original_max_position_embeddings.reset();
  const double l4 = std::log(4.0);
  return {{"explicit", {explicit_factor, 1.7}},
          {"mscale_ratio", {ratio, (0.1 * l4 + 1) / (0.05 * l4 + 1)}},
          {"log_rule", {log_rule, 0.1 * l4 + 1}},
          {"no_original_max_position_embeddings", {no_original, 0.1 * l4 + 1}}};
}

constexpr int64_t kMaxPositions = 512, kHeadDim = 16;

}  // namespace

TEST(Yarn, ParametersMatchHuggingFace) {
  for (const auto& [name, c] : cases()) {
    const auto& [hf, written_out] = c;
    auto ref = hf_compute_yarn_parameters(hf, 10000.0, kHeadDim, kMaxPositions);
    EXPECT_NEAR(ref.attention_factor, written_out, 1e-12) << name;
    auto mine = rope_parameters(kHeadDim, 10000.0, ours(hf), kMaxPositions);
    EXPECT_NEAR(mine.attention_factor, ref.attention_factor, 1e-12) << name;
    ASSERT_EQ(mine.inv_freq.numel(), kHeadDim / 2);
    for (int64_t i = 0; i < kHeadDim / 2; ++i)
      EXPECT_NEAR(mine.inv_freq[i].item<double>(), ref.inv_freq[i], 1e-7 * ref.inv_freq[i]) << name << " pair " << i;
  }
  // The fallback changes the ramp: with 512 instead of 64 original positions more pairs are kept.
  auto c = cases();
  auto with = hf_compute_yarn_parameters(c["log_rule"].first, 10000.0, kHeadDim, kMaxPositions);
  auto without = hf_compute_yarn_parameters(c["no_original_max_position_embeddings"].first, 10000.0, kHeadDim, kMaxPositions);
  EXPECT_NE(with.inv_freq, without.inv_freq);
}

// A one-layer Qwen2 whose attention output must equal HF's attention recomputed from its input.
TEST(Yarn, Qwen2AttentionAppliesTheFactorToCosAndSin) {
  for (const auto& [name, c] : cases()) {
    auto cfg = tiny_qwen2(50);
    cfg.hidden_size = 32;
    cfg.num_hidden_layers = 1;
    cfg.num_attention_heads = 4;
    cfg.num_key_value_heads = 2;
    cfg.head_dim = kHeadDim;
    cfg.max_position_embeddings = kMaxPositions;
    cfg.rope_scaling = ours(c.first);
    cfg.initializer_range = 0.3;  // sharp attention, so the factor on q.k shows in the output
    CausalLM m(cfg);
    init_weights(*m, 7);
    m->to(torch::kFloat64);
    torch::NoGradGuard ng;
    std::map<std::string, torch::Tensor> seen;
    m->set_intermediate_callback([&](const torch::Tensor& t, const std::string& n, int64_t il) {
      if (il == 0) seen[n] = t;
    });
    const int64_t B = 2, T = 40, H = 4, Hkv = 2, D = kHeadDim;
    auto ids = torch::randint(0, cfg.vocab_size, {B, T}, torch::kInt64);
    m->forward(ids);
    ASSERT_TRUE(seen.count("attn_norm") && seen.count("attn_out")) << name;

    // modeling_qwen2: q/k/v, cos/sin = cat(freqs, freqs) * attention_scaling, rotate_half, repeat_kv,
    // softmax(q k^T / sqrt(D) + causal) v, o_proj.
    auto p = m->named_parameters();
    auto lin = [&](const torch::Tensor& x, const std::string& w, bool bias) {
      auto y = torch::matmul(x, p["model.layers.0.self_attn." + w + ".weight"].t());
      return bias ? y + p["model.layers.0.self_attn." + w + ".bias"] : y;
    };
    auto x = seen["attn_norm"];
    auto q = lin(x, "q_proj", true).view({B, T, H, D}).transpose(1, 2);
    auto k = lin(x, "k_proj", true).view({B, T, Hkv, D}).transpose(1, 2);
    auto v = lin(x, "v_proj", true).view({B, T, Hkv, D}).transpose(1, 2);
    auto ref = hf_compute_yarn_parameters(c.first, cfg.rope_theta, D, kMaxPositions);
    auto inv_freq = torch::tensor(ref.inv_freq, torch::kFloat64);
    auto freqs = torch::arange(T, torch::kFloat64).unsqueeze(1) * inv_freq;   // [T, D/2]
    auto emb = torch::cat({freqs, freqs}, -1);                                 // [T, D]
    auto cos = emb.cos() * ref.attention_factor, sin = emb.sin() * ref.attention_factor;
    auto rotate_half = [&](const torch::Tensor& t) {
      return torch::cat({-t.narrow(-1, D / 2, D / 2), t.narrow(-1, 0, D / 2)}, -1);
    };
    q = q * cos + rotate_half(q) * sin;
    k = k * cos + rotate_half(k) * sin;
    k = k.repeat_interleave(H / Hkv, 1);
    v = v.repeat_interleave(H / Hkv, 1);
    auto scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(double(D));
    scores = scores.masked_fill(torch::ones({T, T}, torch::kBool).triu(1), -INFINITY);
    auto attn = torch::matmul(torch::softmax(scores, -1), v).transpose(1, 2).reshape({B, T, H * D});
    auto expect = lin(attn, "o_proj", false);
    // fp64 model, but r1cpp takes RoPE angles in fp32 (the reference here in fp64): relative 1e-6.
    const double scale = expect.abs().max().item<double>();
    const double diff = (seen["attn_out"] - expect).abs().max().item<double>();
    EXPECT_LE(diff, 1e-6 * scale) << name << ": max diff " << diff << " for max |value| " << scale;
    // The factor is far outside that tolerance: a model without it (as before this fix) fails.
    auto scores1 = scores / (ref.attention_factor * ref.attention_factor);
    auto without = lin(torch::matmul(torch::softmax(scores1, -1), v).transpose(1, 2).reshape({B, T, H * D}), "o_proj", false);
    EXPECT_GT((without - expect).abs().max().item<double>(), 1e-3 * scale) << name;
  }
}
