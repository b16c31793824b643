#include "io/fp8.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.h"

namespace r1::io {
namespace {

float decode_e4m3_formula(uint8_t b) {
  const float sign = (b & 0x80) ? -1.0f : 1.0f;
  const int exp = (b >> 3) & 0xf;
  const int man = b & 0x7;
  if (exp == 0xf && man == 0x7) return std::nanf("");
  if (exp == 0) return sign * std::ldexp(static_cast<float>(man) / 8.0f, -6);
  return sign * std::ldexp(1.0f + static_cast<float>(man) / 8.0f, exp - 7);
}

float decode_e5m2_formula(uint8_t b) {
  const float sign = (b & 0x80) ? -1.0f : 1.0f;
  const int exp = (b >> 2) & 0x1f;
  const int man = b & 0x3;
  if (exp == 0x1f) return man == 0 ? sign * INFINITY : std::nanf("");
  if (exp == 0) return sign * std::ldexp(static_cast<float>(man) / 4.0f, -14);
  return sign * std::ldexp(1.0f + static_cast<float>(man) / 4.0f, exp - 15);
}

template <float (*F)(uint8_t)>
const std::array<float, 256>& table() {
  static const std::array<float, 256> t = [] {
    std::array<float, 256> a{};
    for (int i = 0; i < 256; ++i) a[i] = F(static_cast<uint8_t>(i));
    return a;
  }();
  return t;
}

at::Tensor decode_with(const at::Tensor& bytes, const std::array<float, 256>& lut) {
  TORCH_CHECK(bytes.scalar_type() == at::kByte, "fp8 bytes must be a uint8 tensor");
  at::Tensor src = bytes.contiguous();
  at::Tensor out = at::empty(src.sizes(), src.options().dtype(at::kFloat));
  const uint8_t* in = src.data_ptr<uint8_t>();
  float* o = out.data_ptr<float>();
  at::parallel_for(0, src.numel(), 1 << 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) o[i] = lut[in[i]];
  });
  return out;
}

}  // namespace

float decode_e4m3(uint8_t byte) { return table<decode_e4m3_formula>()[byte]; }
float decode_e5m2(uint8_t byte) { return table<decode_e5m2_formula>()[byte]; }

uint8_t encode_e4m3(float x) {
  if (std::isnan(x)) return 0x7F;
  const uint8_t sign = std::signbit(x) ? 0x80 : 0x00;
  const float a = std::fabs(x);
  // Codes 0x00..0x7E are the non-negative finite values in increasing order, so the nearest one is
  // found by binary search; on a tie the even code has the even mantissa.
  const auto& lut = table<decode_e4m3_formula>();
  const float* first = lut.data();
  const float* last = lut.data() + 0x7F;
  const float* hi = std::lower_bound(first, last, a);
  if (hi == last) return sign | 0x7E;
  if (hi == first || *hi == a) return sign | static_cast<uint8_t>(hi - first);
  const float* lo = hi - 1;
  const float dlo = a - *lo, dhi = *hi - a;
  const float* pick = dlo < dhi ? lo : dhi < dlo ? hi : (((lo - first) % 2 == 0) ? lo : hi);
  return sign | static_cast<uint8_t>(pick - first);
}

at::Tensor decode_e4m3_tensor(const at::Tensor& bytes) { return decode_with(bytes, table<decode_e4m3_formula>()); }
at::Tensor decode_e5m2_tensor(const at::Tensor& bytes) { return decode_with(bytes, table<decode_e5m2_formula>()); }

Fp8Blocks quantize_fp8_blocks(const at::Tensor& w, int64_t block) {
  check(w.dim() == 2, "quantize_fp8_blocks", "expects a 2-D weight, got " + std::to_string(w.dim()) + " dims");
  const int64_t M = w.size(0), N = w.size(1);
  const int64_t bm = (M + block - 1) / block, bn = (N + block - 1) / block;
  at::Tensor x = w.to(at::kFloat).contiguous();
  // Pad to whole blocks so amax is one reduction: [bm, B, bn, B].
  at::Tensor padded = at::zeros({bm * block, bn * block}, x.options());
  padded.narrow(0, 0, M).narrow(1, 0, N).copy_(x);
  at::Tensor tiles = padded.view({bm, block, bn, block});
  at::Tensor amax = tiles.abs().amax({1, 3});                          // [bm, bn]
  at::Tensor scale = torch::where(amax > 0, amax / 448.0, torch::ones_like(amax));  // [bm, bn]
  at::Tensor scaled = (tiles / scale.view({bm, 1, bn, 1})).view({bm * block, bn * block});
  scaled = scaled.narrow(0, 0, M).narrow(1, 0, N).contiguous();
  at::Tensor q = at::empty({M, N}, x.options().dtype(at::kByte));
  const float* s = scaled.data_ptr<float>();
  uint8_t* o = q.data_ptr<uint8_t>();
  at::parallel_for(0, M * N, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) o[i] = encode_e4m3(s[i]);
  });
  return {q, scale.contiguous()};
}

at::Tensor dequantize_fp8_blocks(const at::Tensor& weight, const at::Tensor& scale_inv, const std::string& where,
                                 int64_t block) {
  check(weight.dim() == 2, where, "FP8 block-scaled weight must be 2-D");
  const int64_t M = weight.size(0), N = weight.size(1);
  const int64_t bm = (M + block - 1) / block, bn = (N + block - 1) / block;
  check(scale_inv.dim() == 2 && scale_inv.size(0) == bm && scale_inv.size(1) == bn, where,
        "weight_scale_inv has shape " + std::string(c10::str(scale_inv.sizes())) + ", expected [" +
            std::to_string(bm) + ", " + std::to_string(bn) + "] for weight [" + std::to_string(M) + ", " +
            std::to_string(N) + "] in " + std::to_string(block) + "x" + std::to_string(block) + " blocks");
  at::Tensor w = decode_e4m3_tensor(weight);                                          // [M, N]
  at::Tensor s = scale_inv.to(at::kFloat)
                     .repeat_interleave(block, 0)
                     .repeat_interleave(block, 1)
                     .narrow(0, 0, M)
                     .narrow(1, 0, N);                                                 // [M, N]
  return w.mul_(s);
}

}  // namespace r1::io
