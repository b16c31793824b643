// Bucket layouts, the batch split and the ZeRO-1 partition, against rules worked out by hand.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "dist/bucketing.h"
#include "dist/runtime.h"
#include "dist/sharded_adamw.h"

namespace {

using r1::dist::Bucket;

std::vector<std::vector<size_t>> members(const std::vector<Bucket>& buckets) {
  std::vector<std::vector<size_t>> out;
  for (const auto& b : buckets) out.push_back(b.members);
  return out;
}

TEST(Buckets, CapsSplitByDtypeAndKeepOrder) {
  // float32: 10, 10, 30 elements (40, 40, 120 bytes); float64: 5 elements (40 bytes).
  std::vector<torch::Tensor> t = {torch::zeros({10}), torch::zeros({10}), torch::zeros({5}, torch::kFloat64),
                                  torch::zeros({30})};
  // Cap 64 bytes: [0,1] closes at 80 bytes; the float64 tensor has a bucket of its own; 3 alone.
  auto b = r1::dist::make_buckets(t, r1::dist::forward_order(4), 64, 64);
  EXPECT_EQ(members(b), (std::vector<std::vector<size_t>>{{0, 1}, {2}, {3}}));
  EXPECT_EQ(b[0].offset, (std::vector<int64_t>{0, 10}));
  EXPECT_EQ(b[0].numel, 20);
  // Reverse order, first bucket capped at 1 byte: tensor 3 alone first, then [1, 0].
  b = r1::dist::make_buckets(t, r1::dist::reverse_order(4), 64, 1);
  EXPECT_EQ(members(b), (std::vector<std::vector<size_t>>{{3}, {2}, {1, 0}}));
  // A cap larger than everything: one bucket per dtype, ordered by first member.
  b = r1::dist::make_buckets(t, r1::dist::forward_order(4), 1 << 20, 1 << 20);
  EXPECT_EQ(members(b), (std::vector<std::vector<size_t>>{{0, 1, 3}, {2}}));
}

TEST(Buckets, FlattenUnflattenRoundTrip) {
  std::vector<torch::Tensor> t = {torch::randn({2, 3}), torch::randn({4}), torch::randn({1, 1, 2})};
  auto b = r1::dist::make_buckets(t, r1::dist::forward_order(3), 1 << 20, 1 << 20);
  ASSERT_EQ(b.size(), 1u);
  auto flat = r1::dist::flatten(b[0], t);
  ASSERT_EQ(flat.numel(), 12);
  EXPECT_TRUE(torch::equal(flat.narrow(0, 6, 4), t[1]));
  std::vector<torch::Tensor> back = {torch::zeros({2, 3}), torch::zeros({4}), torch::zeros({1, 1, 2})};
  r1::dist::unflatten(flat * 2, b[0], back);
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(torch::equal(back[i], t[i] * 2));
}

TEST(Slice, SharesCoverTheBatchInOrderAndDifferByAtMostOne) {
  for (int64_t n : {0, 1, 7, 8, 64, 101})
    for (int w : {1, 2, 3, 8}) {
      int64_t next = 0, lo = n, hi = 0;
      for (int r = 0; r < w; ++r) {
        const auto s = r1::dist::slice_of(n, r, w);
        EXPECT_EQ(s.begin, next);
        next = s.end;
        lo = std::min(lo, s.size());
        hi = std::max(hi, s.size());
      }
      EXPECT_EQ(next, n);
      EXPECT_LE(hi - lo, 1);
    }
}

TEST(ZeroPartition, LargestFirstToTheLeastLoadedRank) {
  // torch's ZeroRedundancyOptimizer rule, by hand: sizes 3, 10, 7, 1, 7 on 2 ranks. Sorted: 10 (p1)
  // -> r0 [10,0]; 7 (p2) -> r1 [10,7]; 7 (p4) -> r1 [10,14]; 3 (p0) -> r0 [13,14]; 1 (p3) -> r0.
  EXPECT_EQ(r1::dist::partition_parameters({3, 10, 7, 1, 7}, 2), (std::vector<int>{0, 0, 1, 0, 1}));
  // More ranks than parameters: some own nothing; ties go to the lower rank.
  EXPECT_EQ(r1::dist::partition_parameters({5, 5}, 3), (std::vector<int>{0, 1}));
  EXPECT_EQ(r1::dist::partition_parameters({4, 4, 4}, 1), (std::vector<int>{0, 0, 0}));
}

TEST(ZeroPartition, ShardNamesAreOneBased) {
  EXPECT_EQ(r1::dist::optimizer_shard_name(0, 2), "optimizer-00001-of-00002.safetensors");
  EXPECT_EQ(r1::dist::optimizer_shard_name(1, 2), "optimizer-00002-of-00002.safetensors");
}

}  // namespace
