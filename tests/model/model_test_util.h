// Finite-difference gradient check shared by the model tests (double precision).
#pragma once
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>

namespace r1::test {

// For `samples_per_tensor` random entries of every parameter, compares autograd's gradient of
// loss_fn() with the central difference (f(x+h) - f(x-h)) / 2h.
inline void expect_gradients_match_finite_differences(torch::nn::Module& m, const std::function<torch::Tensor()>& loss_fn,
                                                      int samples_per_tensor, double h, double tol) {
  m.zero_grad();
  loss_fn().backward();
  torch::NoGradGuard ng;
  int checked = 0;
  for (auto& p : m.named_parameters()) {
    auto& t = p.value();
    if (!t.grad().defined()) {
      ADD_FAILURE() << p.key() << " has no gradient";
      continue;
    }
    auto flat = t.view({-1});
    auto grad = t.grad().view({-1});
    for (int s = 0; s < samples_per_tensor; ++s) {
      int64_t i = (s * 7919 + 13) % flat.numel();
      double orig = flat[i].item<double>();
      flat[i] = orig + h;
      double up = loss_fn().item<double>();
      flat[i] = orig - h;
      double down = loss_fn().item<double>();
      flat[i] = orig;
      double numeric = (up - down) / (2 * h);
      double analytic = grad[i].item<double>();
      EXPECT_NEAR(analytic, numeric, tol + tol * std::abs(numeric)) << p.key() << "[" << i << "]";
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

}  // namespace r1::test
