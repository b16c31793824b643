// The tiny model and data of the data-parallel tests, shared by the ranks (rank_worker.cpp) and the
// one-process references the tests compute. `side` is used only in rank 1's loss (a parameter some
// ranks leave without gradient); `unused` never is. Registered first, so the gradient buckets
// (reverse registration order) of the used layers come first and can fire during backward.
#pragma once
#include <torch/torch.h>

#include <utility>

namespace r1::test {

struct TinyNetImpl : torch::nn::Module {
  TinyNetImpl()
      : unused(register_module("unused", torch::nn::Linear(4, 4))),
        side(register_module("side", torch::nn::Linear(3, 3))),
        a(register_module("a", torch::nn::Linear(6, 16))),
        b(register_module("b", torch::nn::Linear(16, 16))),
        c(register_module("c", torch::nn::Linear(16, 3))) {}

  // Mean squared error of rows x [N, 6] against y [N, 3].
  torch::Tensor loss(const torch::Tensor& x, const torch::Tensor& y, bool use_side) {
    auto h = torch::tanh(a(x));   // [N, 16]
    h = torch::tanh(b(h));        // [N, 16]
    auto out = c(h);              // [N, 3]
    if (use_side) out = out + side(out);
    return torch::mse_loss(out, y);
  }

  torch::nn::Linear unused, side, a, b, c;
};
TORCH_MODULE(TinyNet);

inline TinyNet make_net(uint64_t seed) {
  torch::manual_seed(seed);
  return TinyNet();
}

// The global batch: 8 rows.
inline std::pair<torch::Tensor, torch::Tensor> global_batch() {
  torch::manual_seed(1234);
  auto x = torch::randn({8, 6});
  auto y = torch::randn({8, 3});
  return {x, y};
}

// The gradients every rank sees at optimizer step `step` of the ZeRO test (the same on all ranks):
// `unused` gets none, `side` only on even steps.
inline void set_step_gradients(TinyNet& net, int step) {
  torch::manual_seed(100 + step);
  for (auto& kv : net->named_parameters()) {
    auto& p = kv.value();
    const bool skip = kv.key().rfind("unused.", 0) == 0 || (kv.key().rfind("side.", 0) == 0 && step % 2);
    p.mutable_grad() = skip ? torch::Tensor() : torch::randn_like(p);
  }
}

inline double step_lr(int step) { return 1e-2 * (step + 1) / 5.0; }

inline torch::optim::AdamWOptions zero_test_options() {
  return torch::optim::AdamWOptions(1e-2).betas({0.9, 0.95}).weight_decay(0.1).eps(1e-8);
}

}  // namespace r1::test
