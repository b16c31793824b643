#include "model/f32_linear.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/torch.h>

#include <vector>

#include "core/error.h"
#include "kernels/f32_matvec.h"
#include "kernels/row_split.h"

namespace r1::model {

namespace {

// Output rows per task of the split: 896 floats a row, 32 rows = 112 KB streamed per task.
constexpr int64_t kRowGrain = 32;

bool is_f32_cpu(const torch::Tensor& t) { return t.defined() && t.scalar_type() == torch::kFloat && t.device().is_cpu(); }

}  // namespace

F32LinearImpl::F32LinearImpl(const torch::Tensor& w, const torch::Tensor& b, const F32LinearConfig& cfg,
                             const std::string& where)
    : LinearLayer(w.dim() == 2 ? w.size(1) : 0, w.dim() == 2 ? w.size(0) : 0), cfg_(cfg) {
  check(w.dim() == 2 && is_f32_cpu(w), where, "an F32Linear needs a 2-d float32 CPU weight [out, in]");
  check(!b.defined() || (is_f32_cpu(b) && b.dim() == 1 && b.size(0) == w.size(0)), where,
        "bias must be float32 [" + std::to_string(w.size(0)) + "] on the CPU");
  check(kernels::f32_matvec_available(), where, "this CPU (or this build) has no AVX2/FMA: keep the dense layer");
  // The same tensors, not copies (a view stays a view of the fused or tied storage).
  weight = register_parameter("weight", w.is_contiguous() ? w : w.contiguous(), w.requires_grad());
  if (b.defined()) bias = register_parameter("bias", b.is_contiguous() ? b : b.contiguous(), b.requires_grad());
}

torch::Tensor F32LinearImpl::kernel_forward(const torch::Tensor& x2) {
  const int64_t n = x2.size(0), rows = out_features();
  auto y = torch::empty({n, rows});  // [N, out]
  const float* w = weight.data_ptr<float>();
  const float* b = bias.defined() ? bias.data_ptr<float>() : nullptr;
  const float* x = x2.data_ptr<float>();
  float* out = y.data_ptr<float>();
  const int64_t in = in_features();
  auto part = [&](int64_t r0, int64_t r1) { kernels::f32_matvec_rows(w, in, b, x, n, out, rows, r0, r1); };
  if (cfg_.threads > 0)
    kernels::split_rows(rows, cfg_.threads, kRowGrain, part);
  else
    at::parallel_for(0, rows, kRowGrain, part);
  return y;
}

torch::Tensor F32LinearImpl::forward(const torch::Tensor& x) {
  check(x.size(-1) == in_features(), "F32Linear",
        "input has " + std::to_string(x.size(-1)) + " features, the layer " + std::to_string(in_features()));
  const int64_t n = x.numel() / in_features();
  const bool grad = torch::GradMode::is_enabled() && (weight.requires_grad() || x.requires_grad());
  if (n > cfg_.max_kernel_batch || grad || !is_f32_cpu(x)) return torch::linear(x, weight, bias);
  // Named for ATen's profiler callbacks (r1_bench_driver profile): the kernel is not an ATen op.
  RECORD_FUNCTION("r1::f32_linear", std::vector<c10::IValue>());
  auto y = kernel_forward(x.reshape({n, in_features()}).contiguous());  // [N, out]
  auto sizes = x.sizes().vec();
  sizes.back() = out_features();
  return y.view(sizes);
}

int64_t freeze_f32_for_inference(CausalLMImpl& model, const F32LinearConfig& cfg) {
  torch::NoGradGuard no_grad;
  check(kernels::f32_matvec_available(), "freeze_f32_for_inference",
        "this CPU (or this build) has no AVX2/FMA: keep the dense layers");
  const auto dense_f32 = [](const LinearLayer& l) -> const DenseLinearImpl* {
    auto* d = dynamic_cast<const DenseLinearImpl*>(&l);
    return d && is_f32_cpu(d->weight) && (!d->bias.defined() || is_f32_cpu(d->bias)) ? d : nullptr;
  };
  int64_t installed = 0;
  // Groups first: their members then read slices of the fused weight, which the member layers below
  // keep (replacing a member unfuses its group, so the fused layers are remembered and set back).
  fuse_projections(model);
  std::vector<std::pair<ProjectionGroup*, LinearPtr>> fused;
  for_each_projection_group(model, [&](const std::string& owner, ProjectionGroup& g) {
    if (!g.fused()) return;
    if (auto* d = dense_f32(*g.fused()))
      fused.emplace_back(&g, std::make_shared<F32LinearImpl>(d->weight, d->bias, cfg, owner + "." + g.name()));
  });
  installed += replace_projections(model, [&](const std::string& name, const LinearLayer& layer) -> LinearPtr {
    auto* d = dense_f32(layer);
    return d ? std::make_shared<F32LinearImpl>(d->weight, d->bias, cfg, name) : nullptr;
  });
  for (auto& [g, layer] : fused) {
    bool all = true;  // every member is now an F32Linear over a slice of this weight
    for (const auto& m : g->members()) all = all && dynamic_cast<const F32LinearImpl*>(m.get()) != nullptr;
    if (!all) continue;
    g->set_fused(layer);
    ++installed;
  }
  const auto& table = model.model->embed_tokens->weight;
  if (!model.lm_head && is_f32_cpu(table)) {
    model.replace_projection("lm_head", std::make_shared<F32LinearImpl>(table, torch::Tensor(), cfg, "lm_head"));
    ++installed;
  }
  return installed;
}

}  // namespace r1::model
