#include "machine.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>

namespace r1::bench {
namespace {

template <class F>
double best_seconds(int reps, F&& f) {
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

MachineRates measure_machine() {
  torch::NoGradGuard ng;
  MachineRates r;
  // 2048^3 multiply-adds: large enough for BLAS to reach its peak, ~0.2 s at 80 GFLOP/s.
  const int64_t n = 2048;
  auto a = torch::randn({n, n}), b = torch::randn({n, n}), c = torch::empty({n, n});
  torch::mm_out(c, a, b);  // warm-up: BLAS thread start, page faults
  const double mm_s = best_seconds(5, [&] { torch::mm_out(c, a, b); });
  r.sgemm_gflops = 2.0 * n * n * n / mm_s / 1e9;
  // 512 MiB of fp32, 16x the L3 of typical servers: a sum reads every byte once from DRAM.
  auto big = torch::rand({128ll << 20});
  volatile float sink = big.sum().item<float>();
  const double read_s = best_seconds(5, [&] { sink = big.sum().item<float>(); });
  (void)sink;
  r.read_gb_per_s = static_cast<double>(big.numel() * sizeof(float)) / read_s / 1e9;
  return r;
}

}  // namespace r1::bench
