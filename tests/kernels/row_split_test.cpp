// kernels/row_split.h: every row exactly once, in contiguous shares aligned to `align`, on as many
// threads as asked; concurrent callers each get their whole range.
#include "kernels/row_split.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

using r1::kernels::split_rows;

TEST(SplitRows, CoversEveryRowOnceInAlignedContiguousShares) {
  for (int threads : {1, 2, 3, 5})
    for (int64_t rows : {0, 1, 31, 32, 33, 100, 1000}) {
      std::mutex mu;
      std::vector<std::pair<int64_t, int64_t>> ranges;
      std::set<std::thread::id> ids;
      std::vector<int> seen(rows, 0);
      split_rows(rows, threads, 32, [&](int64_t b, int64_t e) {
        std::lock_guard<std::mutex> l(mu);
        ranges.emplace_back(b, e);
        ids.insert(std::this_thread::get_id());
        for (int64_t r = b; r < e; ++r) ++seen[r];
      });
      for (int64_t r = 0; r < rows; ++r) ASSERT_EQ(seen[r], 1) << "row " << r << " of " << rows << ", " << threads << " threads";
      const int64_t shares = std::min<int64_t>(threads, (rows + 31) / 32);
      EXPECT_EQ(static_cast<int64_t>(ranges.size()), rows == 0 ? 0 : std::max<int64_t>(shares, 1));
      EXPECT_EQ(static_cast<int64_t>(ids.size()), rows == 0 ? 0 : std::max<int64_t>(shares, 1));
      for (auto [b, e] : ranges) {
        EXPECT_EQ(b % 32, 0);
        EXPECT_TRUE(e % 32 == 0 || e == rows);
      }
    }
}

TEST(SplitRows, ConcurrentCallersEachGetTheirWholeRange) {
  std::atomic<int64_t> total[2] = {0, 0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 2; ++c)
    callers.emplace_back([&, c] {
      for (int i = 0; i < 200; ++i)
        split_rows(640, 2, 32, [&](int64_t b, int64_t e) { total[c] += e - b; });
    });
  for (auto& t : callers) t.join();
  EXPECT_EQ(total[0].load(), 200 * 640);
  EXPECT_EQ(total[1].load(), 200 * 640);
}
