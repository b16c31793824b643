#include "model/quant_linear.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/torch.h>

#include <vector>

#include "core/error.h"
#include "kernels/quantize.h"
#include "kernels/row_split.h"

namespace r1::model {

namespace {

// Output rows per task of the intra-op split: enough to amortize a task, few enough to balance.
constexpr int64_t kRowGrain = 32;
// fp32 weights per dequantized tile of the sgemm path (4 MB: stays in L2/L3 while it is used).
constexpr int64_t kTileWeights = int64_t{1} << 20;

}  // namespace

QuantLinearImpl::QuantLinearImpl(kernels::QuantType type, const torch::Tensor& weight, const torch::Tensor& bias,
                                 const QuantLinearConfig& cfg, const std::string& where)
    : LinearLayer(weight.dim() == 2 ? weight.size(1) : 0, weight.dim() == 2 ? weight.size(0) : 0),
      type_(type),
      cfg_(cfg) {
  check(weight.dim() == 2, where, "a quantized projection needs a 2-d weight [out, in]");
  const int64_t out = weight.size(0), in = weight.size(1);
  const int64_t row_bytes = kernels::quant_row_bytes(type, in, where);
  const auto st = weight.scalar_type();
  check(st == torch::kFloat || st == torch::kBFloat16 || st == torch::kHalf, where,
        std::string("cannot quantize a weight of dtype ") + c10::toString(st) + " (float32, bfloat16 or float16)");
  check(weight.device().is_cpu(), where, "quantized layers run on the CPU: load the weight there");
  const auto w = weight.contiguous();
  blocks_ = torch::empty({out, row_bytes}, torch::kUInt8);
  auto* dst = blocks_.data_ptr<uint8_t>();
  at::parallel_for(0, out, kRowGrain, [&](int64_t r0, int64_t r1) {
    std::vector<float> row(st == torch::kHalf ? in : 0);
    for (int64_t r = r0; r < r1; ++r) {
      uint8_t* q = dst + r * row_bytes;
      if (st == torch::kFloat) {
        kernels::quantize_row(type, w.data_ptr<float>() + r * in, in, q);
      } else if (st == torch::kBFloat16) {
        kernels::quantize_row_bf16(type, reinterpret_cast<const uint16_t*>(w.data_ptr<at::BFloat16>()) + r * in, in, q);
      } else {
        const auto* h = w.data_ptr<at::Half>() + r * in;
        for (int64_t j = 0; j < in; ++j) row[j] = static_cast<float>(h[j]);
        kernels::quantize_row(type, row.data(), in, q);
      }
    }
  });
  set_bias(bias, where);
}

void QuantLinearImpl::set_bias(const torch::Tensor& bias, const std::string& where) {
  if (!bias.defined()) return;
  check(bias.dim() == 1 && bias.size(0) == out_features(), where,
        "bias has " + std::to_string(bias.numel()) + " values, the weight " + std::to_string(out_features()) + " rows");
  bias_ = bias.to(torch::kFloat, /*non_blocking=*/false, /*copy=*/true);
}

std::shared_ptr<QuantLinearImpl> QuantLinearImpl::from_blocks(kernels::QuantType type, int64_t in,
                                                              const torch::Tensor& blocks, const torch::Tensor& bias,
                                                              const QuantLinearConfig& cfg, const std::string& where) {
  const int64_t row_bytes = kernels::quant_row_bytes(type, in, where);
  check(blocks.dim() == 2 && blocks.size(1) == row_bytes && blocks.scalar_type() == torch::kUInt8, where,
        "quantized blocks must be uint8 [out, " + std::to_string(row_bytes) + "] for " + std::to_string(in) + " " +
            kernels::quant_type_name(type) + " columns");
  std::shared_ptr<QuantLinearImpl> q(new QuantLinearImpl(type, in, blocks.size(0), cfg));
  q->blocks_ = blocks.to(torch::kCPU).contiguous().clone();
  q->set_bias(bias, where);
  return q;
}

kernels::QuantMatrix QuantLinearImpl::matrix() const {
  return {type_, out_features(), in_features(), blocks_.data_ptr<uint8_t>()};
}

torch::Tensor QuantLinearImpl::dense_weight() const {
  const auto m = matrix();
  auto w = torch::empty({m.rows, m.cols});
  auto* dst = w.data_ptr<float>();
  at::parallel_for(0, m.rows, kRowGrain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) kernels::dequantize_row(type_, m.row(r), m.cols, dst + r * m.cols);
  });
  return w;
}

torch::Tensor QuantLinearImpl::kernel_forward(const torch::Tensor& x2) {
  const auto m = matrix();
  const int64_t n = x2.size(0);
  auto y = torch::empty({n, m.rows});
  const float* x = x2.data_ptr<float>();
  float* out = y.data_ptr<float>();
  const auto path = cfg_.kernel.path;
  auto over_rows = [&](const std::function<void(int64_t, int64_t)>& fn) {
    if (cfg_.threads > 0)
      kernels::split_rows(m.rows, cfg_.threads, kRowGrain, fn);
    else
      at::parallel_for(0, m.rows, kRowGrain, fn);
  };
  if (cfg_.kernel.activations == kernels::ActivationFormat::f32) {
    over_rows([&](int64_t r0, int64_t r1) { kernels::quant_matmul_rows_f32(m, x, n, out, m.rows, r0, r1, path); });
    return y;
  }
  kernels::Q8Activations xq;  // quantized once, read by every thread
  kernels::quantize_activations(x, n, m.cols, xq, path);
  over_rows([&](int64_t r0, int64_t r1) { kernels::quant_matmul_rows(m, xq, out, m.rows, r0, r1, path); });
  return y;
}

torch::Tensor QuantLinearImpl::tiled_forward(const torch::Tensor& x2) {
  const auto m = matrix();
  const int64_t n = x2.size(0);
  const int64_t tile = std::max<int64_t>(kRowGrain, kTileWeights / m.cols);
  auto y = torch::empty({n, m.rows});
  auto w = torch::empty({std::min(tile, m.rows), m.cols});  // [tile, in] fp32, reused
  for (int64_t r = 0; r < m.rows; r += tile) {
    const int64_t rows = std::min(tile, m.rows - r);
    float* dst = w.data_ptr<float>();
    at::parallel_for(0, rows, kRowGrain, [&](int64_t a, int64_t b) {
      for (int64_t i = a; i < b; ++i) kernels::dequantize_row(type_, m.row(r + i), m.cols, dst + i * m.cols);
    });
    y.narrow(1, r, rows).copy_(torch::mm(x2, w.narrow(0, 0, rows).t()));  // [N, rows]
  }
  return y;
}

torch::Tensor QuantLinearImpl::forward(const torch::Tensor& x) {
  check(x.size(-1) == in_features(), "QuantLinear",
        "input has " + std::to_string(x.size(-1)) + " features, the layer " + std::to_string(in_features()));
  // Named for ATen's profiler callbacks (r1_bench_driver profile): the kernel is not an ATen op.
  RECORD_FUNCTION("r1::quant_linear", std::vector<c10::IValue>());
  torch::NoGradGuard no_grad;  // inference only: the blocks have no gradient
  auto x2 = x.reshape({-1, in_features()}).to(torch::kFloat).contiguous();  // [N, in]
  auto y = x2.size(0) <= cfg_.max_kernel_batch ? kernel_forward(x2) : tiled_forward(x2);  // [N, out]
  if (bias_.defined()) y.add_(bias_);
  auto sizes = x.sizes().vec();
  sizes.back() = out_features();
  y = y.view(sizes);
  return x.scalar_type() == torch::kFloat ? y : y.to(x.scalar_type());
}

}  // namespace r1::model
