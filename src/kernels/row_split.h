// Splitting a quantized product's output rows over a fixed number of threads, independent of ATen's
// intra-op setting.
//
// Why not at::parallel_for: it uses ATen's thread count for every op. On this 2-core machine the
// decode step's small ops (norms, RoPE, the sampler over a 151 936-wide vocabulary) lose at two ATen
// threads — each parallel op waits for a worker that may sleep or be descheduled (measured under
// load: the sampler's div/exp/clamp at 8–12 ms a call instead of ~0.1 ms) — while the batch-1
// matrix-vector products, ~90% of the step and bound by memory bandwidth, are what a second core
// speeds up. So the products get their own team (QuantLinearConfig::threads) and ATen stays at one.
// Measured only under load so far (load average 5–8 on 2 cores), where it lost to one thread, as an
// OpenMP team of its own did before it: each product waits for a worker the scheduler has parked.
// Hence opt-in (QuantLinearConfig::threads = 0 by default); see bench/README.md.
//
// The team is threads - 1 persistent workers plus the calling thread. Between products a worker
// spins for a short while (a decode step issues its ~170 products tens of microseconds apart), then
// sleeps on a condition variable, so an idle process costs nothing. Rows are split into `threads`
// contiguous shares, multiples of `align` rows, so each thread streams one contiguous range of the
// weights; every output row is computed by exactly one thread with the same code, so the result does
// not depend on the thread count. Calls from several threads at once are safe: one runs on the team,
// the others on their calling thread alone.
#pragma once
#include <cstdint>
#include <functional>

namespace r1::kernels {

// fn(begin, end) over [0, rows) in `threads` shares (threads <= 1 or rows <= align: one call on the
// calling thread). fn must not throw.
void split_rows(int64_t rows, int threads, int64_t align, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace r1::kernels
