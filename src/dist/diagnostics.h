// What `r1 dist_check` runs on every rank: each collective once on values whose result is known in
// closed form, and an all-reduce bandwidth sweep in the style of nccl-tests' all_reduce_perf.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace r1::dist {

class Runtime;

// Runs all_reduce (sum, mean, max, min), all_reduce_bucketed over three dtypes, all_reduce_scalars,
// all_gather, broadcast from the last rank and barrier; throws r1::Error naming the collective whose
// result differs from the closed form. Returns a one-line summary.
std::string check_collectives(Runtime& rt);

struct BandwidthRow {
  int64_t bytes = 0;
  double seconds = 0;  // per all-reduce, the slowest rank's mean over the timed iterations
  double algbw = 0;    // GB/s: bytes / seconds
  double busbw = 0;    // GB/s: algbw * 2(W-1)/W, what each link carries in a ring all-reduce
};

// float32 all-reduces (sum) of min_bytes, min_bytes*factor, ... up to max_bytes: `warmup` untimed,
// then `iters` timed ones per size.
std::vector<BandwidthRow> measure_all_reduce(Runtime& rt, int64_t min_bytes, int64_t max_bytes, int factor, int iters,
                                             int warmup);
std::string format_bandwidth(const std::vector<BandwidthRow>& rows, int world_size);

}  // namespace r1::dist
