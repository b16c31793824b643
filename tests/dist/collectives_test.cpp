// Two ranks on 127.0.0.1 over Gloo (this binary's rank mode) against results computed here in one
// process: each collective against the sum of every rank's seeded inputs, and the gradient reducer
// (both paths) against the full-batch gradient of the same loss.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io/safetensors.h"
#include "rank_job.h"
#include "tiny_net.h"

namespace {

using r1::test::Job;

constexpr int kWorld = 2;

torch::Tensor input(int rank, int k, at::IntArrayRef shape, torch::Dtype dtype = torch::kFloat32) {
  torch::manual_seed(1000 * rank + k);
  return torch::randn(shape, torch::kFloat64).to(dtype);
}

// Runs `scenario` on kWorld ranks and returns each rank's results.
std::vector<r1::io::TensorMap> run_ranks(const std::string& scenario) {
  const std::string out = r1::test::temp_dir(scenario);
  Job job(kWorld, r1::test::self_exe(), {"--rank-worker", scenario, out});
  EXPECT_TRUE(job.wait_all(120)) << "ranks did not finish";
  std::vector<r1::io::TensorMap> results;
  for (int r = 0; r < kWorld; ++r) {
    EXPECT_EQ(job.exit_code(r), 0) << "rank " << r << ":\n" << job.output(r);
    results.push_back(r1::io::load_safetensors(out + "/rank-" + std::to_string(r) + ".safetensors"));
  }
  return results;
}

void expect_close(const torch::Tensor& got, const torch::Tensor& want, const std::string& what, double rtol = 1e-6) {
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  EXPECT_TRUE(torch::allclose(got.to(torch::kFloat64), want.to(torch::kFloat64), rtol, 1e-7))
      << what << ": max |diff| " << (got.to(torch::kFloat64) - want.to(torch::kFloat64)).abs().max().item<double>();
}

TEST(Collectives, TwoRanksAgreeWithTheOneProcessSums) {
  const auto res = run_ranks("collectives");
  auto sum = [](int k, at::IntArrayRef shape, torch::Dtype dtype = torch::kFloat32) {
    auto s = input(0, k, shape, dtype);
    for (int r = 1; r < kWorld; ++r) s = s + input(r, k, shape, dtype);
    return s;
  };
  for (int r = 0; r < kWorld; ++r) {
    const auto& m = res[r];
    const std::string who = "rank " + std::to_string(r) + " ";
    expect_close(m.at("sum"), sum(0, {37, 5}), who + "all_reduce sum");
    expect_close(m.at("mean"), sum(1, {64}) / kWorld, who + "all_reduce mean");
    expect_close(m.at("max"), torch::max(input(0, 2, {19}), input(1, 2, {19})), who + "all_reduce max");
    expect_close(m.at("transposed"), sum(3, {6, 4}), who + "all_reduce of a transposed view");
    const std::vector<std::pair<std::vector<int64_t>, torch::Dtype>> shapes = {
        {{50}, torch::kFloat32},    {{3, 7}, torch::kFloat64}, {{200}, torch::kFloat32},
        {{1}, torch::kFloat32},     {{9, 9}, torch::kFloat64}, {{120}, torch::kFloat32}};
    for (size_t i = 0; i < shapes.size(); ++i) {
      const auto& got = m.at("bucketed." + std::to_string(i));
      EXPECT_EQ(got.scalar_type(), shapes[i].second);
      expect_close(got, sum(10 + static_cast<int>(i), shapes[i].first, shapes[i].second), who + "bucketed " + std::to_string(i));
    }
    expect_close(m.at("scalars"), torch::tensor({0.5 + 1.5, 0.0 + 1.0, 6.0}, torch::kFloat64), who + "scalars");
    for (int k = 0; k < kWorld; ++k)
      expect_close(m.at("gather." + std::to_string(k)), input(k, 20, {3, 4}), who + "all_gather row " + std::to_string(k));
    expect_close(m.at("broadcast"), input(kWorld - 1, 30, {10}), who + "broadcast from the last rank");
    expect_close(m.at("broadcast_bucketed.0"), input(0, 31, {40}), who + "broadcast_bucketed");
    expect_close(m.at("broadcast_bucketed.1"), input(0, 32, {300}), who + "broadcast_bucketed");
  }
}

TEST(GradReducer, BothPathsGiveTheFullBatchGradient) {
  const auto res = run_ranks("reducer");
  // The reference, in one process: each rank's loss over its share in two micro-batches of half
  // weight, rank 1's with the side layer, averaged over ranks -- the gradient DDP's mean defines.
  auto net = r1::test::make_net(7);
  const auto [x, y] = r1::test::global_batch();
  torch::Tensor total = torch::zeros({});
  for (int r = 0; r < kWorld; ++r) {
    const int64_t begin = 8 * r / kWorld, n = 8 * (r + 1) / kWorld - begin, half = n / 2;
    auto xs = x.narrow(0, begin, n), ys = y.narrow(0, begin, n);
    total = total + net->loss(xs.narrow(0, 0, half), ys.narrow(0, 0, half), r == 1) / 2 +
            net->loss(xs.narrow(0, half, n - half), ys.narrow(0, half, n - half), r == 1) / 2;
  }
  (total / kWorld).backward();
  for (int r = 0; r < kWorld; ++r) {
    const auto& m = res[r];
    const std::string who = "rank " + std::to_string(r) + " ";
    for (const auto& kv : net->named_parameters()) {
      const std::string name = kv.key();
      for (const std::string path : {"after", "overlap"}) {
        // Every rank starts from rank 0's parameters (seed 7).
        expect_close(m.at(path + ".param." + name), kv.value(), who + path + " initial " + name, 0);
        if (!kv.value().grad().defined()) {
          EXPECT_EQ(m.count(path + ".grad." + name), 0u) << who << path << ": " << name << " got no gradient anywhere";
          continue;
        }
        expect_close(m.at(path + ".grad." + name), kv.value().grad(), who + path + " gradient of " + name, 1e-5);
      }
      if (kv.value().grad().defined())
        EXPECT_TRUE(torch::equal(m.at("after.grad." + name), m.at("overlap.grad." + name)))
            << who << name << ": the overlapped and plain paths differ";
    }
    EXPECT_GE(m.at("overlap.buckets").item<int64_t>(), 3) << "the test should span several buckets";
    // Buckets of c, b, a fill during backward on both ranks; the plain path launches none early.
    EXPECT_GT(m.at("overlap.launched_in_backward").item<int64_t>(), 0) << who;
    EXPECT_EQ(m.at("after.launched_in_backward").item<int64_t>(), 0) << who;
  }
  for (const auto& kv : res[0])
    if (kv.first.find(".grad.") != std::string::npos)
      EXPECT_TRUE(torch::equal(kv.second, res[1].at(kv.first))) << kv.first << " differs between the ranks";
}

}  // namespace
