#include "dist/diagnostics.h"

#include <chrono>
#include <cstdio>

#include "core/error.h"
#include "dist/runtime.h"

namespace r1::dist {
namespace {

void expect_equal(const at::Tensor& got, const at::Tensor& want, const std::string& what) {
  check(got.sizes() == want.sizes() && at::equal(got.to(want.scalar_type()).cpu(), want), "dist_check",
        what + " gave a wrong result on this rank: the ranks disagree, or the backend is broken");
}

}  // namespace

std::string check_collectives(Runtime& rt) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t w = rt.world_size(), r = rt.rank();
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(rt.device());

  // Small integers are exact in float32, so every comparison below is exact.
  for (auto [op, want] : {std::pair{Reduce::sum, double(w * (w + 1) / 2)}, std::pair{Reduce::max, double(w)},
                          std::pair{Reduce::min, 1.0}}) {
    at::Tensor t = torch::full({1000}, double(r + 1), f32);
    rt.all_reduce(t, op, "dist_check");
    expect_equal(t, torch::full({1000}, want), std::string("all_reduce ") + reduce_name(op));
  }
  at::Tensor m = torch::full({1000}, double(2 * (r + 1)), f32);  // mean of 2, 4, ..., 2W = W+1
  rt.all_reduce(m, Reduce::mean, "dist_check");
  expect_equal(m, torch::full({1000}, double(w + 1)), "all_reduce mean");

  std::vector<at::Tensor> mixed = {torch::full({3, 5}, double(r), f32),
                                   torch::full({7}, double(2 * r), f32.dtype(torch::kFloat64)),
                                   torch::full({2, 2}, r + 3, f32.dtype(torch::kInt64))};
  rt.all_reduce_bucketed(mixed, Reduce::sum, "dist_check");
  expect_equal(mixed[0], torch::full({3, 5}, double(w * (w - 1) / 2)), "all_reduce_bucketed (float32)");
  expect_equal(mixed[1], torch::full({7}, double(w * (w - 1)), torch::kFloat64), "all_reduce_bucketed (float64)");
  expect_equal(mixed[2], torch::full({2, 2}, w * (w - 1) / 2 + 3 * w, torch::kInt64), "all_reduce_bucketed (int64)");

  const auto scalars = rt.all_reduce_scalars({1.0, double(r)}, Reduce::sum, "dist_check");
  check(scalars[0] == double(w) && scalars[1] == double(w * (w - 1) / 2), "dist_check",
        "all_reduce_scalars gave a wrong result on this rank");

  const auto gathered = rt.all_gather(torch::tensor({double(r), 10.0 * r}, f32), "dist_check");
  check(static_cast<int64_t>(gathered.size()) == w, "dist_check", "all_gather returned the wrong number of tensors");
  for (int64_t k = 0; k < w; ++k)
    expect_equal(gathered[k], torch::tensor({double(k), 10.0 * k}), "all_gather (rank " + std::to_string(k) + "'s row)");

  const int root = static_cast<int>(w - 1);
  at::Tensor b = r == root ? torch::arange(16, f32) * (root + 1) : torch::zeros({16}, f32);
  rt.broadcast(b, root, "dist_check");
  expect_equal(b, torch::arange(16, torch::kFloat32) * (root + 1), "broadcast from rank " + std::to_string(root));

  rt.barrier("dist_check");
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char line[256];
  std::snprintf(line, sizeof line,
                "%lld rank(s) agree: all_reduce (sum, mean, max, min), all_reduce_bucketed, all_reduce_scalars, "
                "all_gather, broadcast, barrier (%.3f s, backend %s)",
                static_cast<long long>(w), secs, rt.backend_name());
  return line;
}

std::vector<BandwidthRow> measure_all_reduce(Runtime& rt, int64_t min_bytes, int64_t max_bytes, int factor, int iters,
                                             int warmup) {
  check(min_bytes >= 4 && max_bytes >= min_bytes && factor >= 2 && iters >= 1 && warmup >= 0, "dist_check bandwidth",
        "needs 4 <= min_bytes <= max_bytes, factor >= 2, iters >= 1, warmup >= 0");
  std::vector<BandwidthRow> rows;
  const int64_t w = rt.world_size();
  for (int64_t bytes = min_bytes; bytes <= max_bytes; bytes *= factor) {
    at::Tensor t = torch::ones({bytes / 4}, torch::TensorOptions().dtype(torch::kFloat32).device(rt.device()));
    for (int i = 0; i < warmup; ++i) rt.all_reduce(t, Reduce::sum, "bandwidth warmup");
    rt.barrier("bandwidth");
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; ++i) rt.all_reduce(t, Reduce::sum, "bandwidth");
    const double mine = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / iters;
    BandwidthRow row;
    row.bytes = (bytes / 4) * 4;
    row.seconds = rt.all_reduce_scalar(mine, Reduce::max, "bandwidth timing");
    row.algbw = row.bytes / row.seconds / 1e9;
    row.busbw = row.algbw * (w > 1 ? 2.0 * (w - 1) / w : 1.0);
    rows.push_back(row);
  }
  return rows;
}

std::string format_bandwidth(const std::vector<BandwidthRow>& rows, int world_size) {
  std::string out = "all_reduce bandwidth (" + std::to_string(world_size) + " ranks, float32 sum)\n";
  out += "       bytes     time/op     algbw GB/s   busbw GB/s\n";
  char line[128];
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%12lld  %9.1f us  %12.3f %12.3f\n", static_cast<long long>(r.bytes),
                  r.seconds * 1e6, r.algbw, r.busbw);
    out += line;
  }
  return out;
}

}  // namespace r1::dist
