#include "model/attention.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace r1::model {

torch::Tensor scaled_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& mask, double scale) {
  const auto B = q.size(0), H = q.size(1), T = q.size(2), Hkv = k.size(1);
  const auto G = H / Hkv;
  auto qg = q.view({B, Hkv, G, T, q.size(3)});                                   // [B, Hkv, G, T, D]
  auto scores = torch::matmul(qg, k.unsqueeze(2).transpose(-1, -2)) * scale;    // [B, Hkv, G, T, S]
  auto compute = scores.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  scores = scores.to(compute);
  if (mask.defined()) scores = scores.masked_fill(~mask.unsqueeze(1), -std::numeric_limits<double>::infinity());
  auto probs = torch::softmax(scores, -1).to(v.scalar_type());
  auto out = torch::matmul(probs, v.unsqueeze(2));                               // [B, Hkv, G, T, Dv]
  return out.view({B, H, T, v.size(-1)});
}

torch::Tensor decode_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& bias, double scale) {
  const auto B = q.size(0), H = q.size(1), Hkv = k.size(1), S = k.size(2), D = q.size(3);
  const auto G = H / Hkv;
  auto qg = (q * scale).view({B, Hkv, G, 1, D});                      // [B, Hkv, G, 1, D]
  auto scores = (qg * k.unsqueeze(2)).sum(-1);                        // [B, Hkv, G, S]
  const bool wide = scores.scalar_type() == torch::kFloat64 || scores.scalar_type() == torch::kFloat32;
  if (!wide) scores = scores.to(torch::kFloat32);  // softmax in fp32 (no conversion op when it is already)
  if (bias.defined()) scores = scores + bias.view({B, 1, 1, S});
  auto probs = torch::softmax(scores, -1);                            // [B, Hkv, G, S]
  if (probs.scalar_type() != v.scalar_type()) probs = probs.to(v.scalar_type());
  auto out = (probs.unsqueeze(-1) * v.unsqueeze(2)).sum(3);          // [B, Hkv, G, S, 1] * [B, Hkv, 1, S, Dv] -> [B, Hkv, G, Dv]
  return out.view({B, H, 1, v.size(-1)});
}

torch::Tensor decode_attention_kernel(const torch::Tensor& q_in, const torch::Tensor& k, const torch::Tensor& v,
                                      const torch::Tensor& bias_in, double scale) {
  RECORD_FUNCTION("r1::decode_attention_kernel", std::vector<c10::IValue>());  // for r1_bench_driver profile
  auto fp32_cpu = [](const torch::Tensor& t) { return t.scalar_type() == torch::kFloat32 && t.device().is_cpu(); };
  if (!fp32_cpu(q_in) || !fp32_cpu(k) || !fp32_cpu(v) || k.stride(-1) != 1 || v.stride(-1) != 1)
    return decode_attention(q_in, k, v, bias_in, scale);
  const int64_t B = q_in.size(0), H = q_in.size(1), Hkv = k.size(1), S = k.size(2), D = q_in.size(3), Dv = v.size(3);
  const int64_t G = H / Hkv;
  auto q = q_in.contiguous();  // [B, H, 1, D]
  auto bias = bias_in.defined() ? bias_in.to(torch::kFloat32).contiguous() : torch::Tensor();  // [B, 1, 1, S]
  auto out = torch::empty({B, H, 1, Dv}, q.options());
  const float* qp = q.data_ptr<float>();
  const float* kp = k.data_ptr<float>();
  const float* vp = v.data_ptr<float>();
  const float* bp = bias.defined() ? bias.data_ptr<float>() : nullptr;
  float* op = out.data_ptr<float>();
  const int64_t k0 = k.stride(0), k1 = k.stride(1), k2 = k.stride(2);
  const int64_t v0 = v.stride(0), v1 = v.stride(1), v2 = v.stride(2);
  const float sc = static_cast<float>(scale);
  at::parallel_for(0, B * H, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> p(S);
    for (int64_t bh = begin; bh < end; ++bh) {
      const int64_t b = bh / H, kvh = (bh % H) / G;
      const float* qv = qp + bh * D;
      const float* kb = kp + b * k0 + kvh * k1;
      const float* vb = vp + b * v0 + kvh * v1;
      float top = -std::numeric_limits<float>::infinity();
      for (int64_t s = 0; s < S; ++s) {
        const float* kr = kb + s * k2;
        float dot = 0.0f;
        for (int64_t d = 0; d < D; ++d) dot += qv[d] * kr[d];
        p[s] = dot * sc + (bp ? bp[b * S + s] : 0.0f);
        top = std::max(top, p[s]);
      }
      float total = 0.0f;
      for (int64_t s = 0; s < S; ++s) total += (p[s] = std::exp(p[s] - top));  // exp(-inf) = 0: masked slots
      const float inv = 1.0f / total;
      float* o = op + bh * Dv;
      std::fill(o, o + Dv, 0.0f);
      for (int64_t s = 0; s < S; ++s) {
        const float w = p[s] * inv;
        const float* vr = vb + s * v2;
        for (int64_t d = 0; d < Dv; ++d) o[d] += w * vr[d];
      }
    }
  });
  return out;
}

torch::Tensor append_to_cache(torch::Tensor& slot, const torch::Tensor& x, int64_t seq_dim, const LayerInput& in) {
  const int64_t T = x.size(seq_dim);
  if (in.write_slots.defined()) {
    c10::List<c10::optional<at::Tensor>> where;  // slot[b, .., write_slots[b], ..] for every row b
    where.push_back(in.write_rows);
    for (int64_t d = 1; d < seq_dim; ++d) where.push_back(c10::nullopt);
    where.push_back(in.write_slots);
    slot.index_put_(where, x.squeeze(seq_dim));  // values [B, ..rest]: the advanced indices' dims first
  } else {
    slot.narrow(seq_dim, in.offset, T).copy_(x);
  }
  return slot.narrow(seq_dim, 0, in.offset + T);
}

torch::Tensor causal_mask(const torch::Tensor& key_valid, int64_t offset, int64_t T) {
  const int64_t S = key_valid.size(1);
  auto dev = key_valid.device();
  auto q_slot = torch::arange(offset, offset + T, torch::dtype(torch::kInt64).device(dev)).view({T, 1});
  auto k_slot = torch::arange(0, S, torch::dtype(torch::kInt64).device(dev)).view({1, S});
  auto causal = k_slot <= q_slot;                                                   // [T, S]
  auto mask = (causal.unsqueeze(0) & key_valid.unsqueeze(1)) | (k_slot == q_slot).unsqueeze(0);
  return mask.unsqueeze(1);                                                         // [B, 1, T, S]
}

GQAttentionImpl::GQAttentionImpl(int64_t hidden, int64_t heads, int64_t kv_heads, int64_t head_dim, bool qkv_bias)
    : heads_(heads), kv_heads_(kv_heads), head_dim_(head_dim) {
  add_projection("q_proj", q_proj, hidden, heads_ * head_dim_, qkv_bias);
  add_projection("k_proj", k_proj, hidden, kv_heads_ * head_dim_, qkv_bias);
  add_projection("v_proj", v_proj, hidden, kv_heads_ * head_dim_, qkv_bias);
  add_projection("o_proj", o_proj, heads_ * head_dim_, hidden, false);
  add_projection_group(qkv_);
}

LayerCache GQAttentionImpl::make_cache(int64_t batch, int64_t capacity, const torch::TensorOptions& opts) const {
  return {torch::zeros({batch, kv_heads_, capacity, head_dim_}, opts),
          torch::zeros({batch, kv_heads_, capacity, head_dim_}, opts)};
}

torch::Tensor GQAttentionImpl::forward(const torch::Tensor& x, const LayerInput& in) {
  const auto B = x.size(0), T = x.size(1);
  auto qkv = qkv_(x);
  auto q = qkv[0].view({B, T, heads_, head_dim_}).transpose(1, 2);     // [B, H, T, D]
  auto k = qkv[1].view({B, T, kv_heads_, head_dim_}).transpose(1, 2);  // [B, Hkv, T, D]
  auto v = qkv[2].view({B, T, kv_heads_, head_dim_}).transpose(1, 2);
  if (T == 1 && in.cache != nullptr) {
    // Decode: q and k rotated in one call (heads side by side), half the rotary ops per layer.
    auto qk = apply_rotary(torch::cat({q, k}, 1), in.rope, /*interleave=*/false);  // [B, H + Hkv, 1, D]
    q = qk.narrow(1, 0, heads_);
    k = qk.narrow(1, heads_, kv_heads_);
  } else {
    q = apply_rotary(q, in.rope, /*interleave=*/false);
    k = apply_rotary(k, in.rope, /*interleave=*/false);
  }
  if (in.cache != nullptr) {
    auto& slot = in.cache->layers[in.layer];
    k = append_to_cache(slot.a, k, 2, in);  // [B, Hkv, S, D]
    v = append_to_cache(slot.b, v, 2, in);
  }
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim_));
  torch::Tensor out;  // [B, H, T, D]
  if (T == 1 && in.decode_attention == DecodeAttention::kernel)
    out = decode_attention_kernel(q, k, v, in.bias, scale);
  else if (T == 1 && in.decode_attention == DecodeAttention::broadcast)
    out = decode_attention(q, k, v, in.bias, scale);
  else
    out = scaled_attention(q, k, v, in.mask, scale);
  return o_proj->forward(out.transpose(1, 2).reshape({B, T, heads_ * head_dim_}));
}

}  // namespace r1::model
