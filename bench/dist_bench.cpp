// All-reduce bandwidth with 2 processes on this machine, against the baseline of copying the same
// buffer inside one process, in the same run. This process is rank 0 (Gloo over 127.0.0.1); the peer
// rank is `r1 dist_check`, which runs the same sequence (check_collectives, then the timed float32
// sum all-reduces of one size) -- so both ranks issue the same collectives.
// Counters: algbw and busbw (GB/s, nccl-tests' definitions; busbw = algbw for 2 ranks), memcpy
// (GB/s, at::Tensor::copy_ of the same size), busbw_over_memcpy.
//   build/bench/r1_bench --benchmark_filter=AllReduce
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <torch/torch.h>

#include <chrono>
#include <string>
#include <vector>

#include "dist/diagnostics.h"
#include "dist/net.h"
#include "dist/runtime.h"

extern char** environ;

namespace {

constexpr int kIters = 20, kWarmup = 3;

pid_t start_peer(int port, int64_t bytes) {
  std::vector<std::string> env = {"RANK=1", "WORLD_SIZE=2", "LOCAL_RANK=1", "LOCAL_WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1",
                                  "MASTER_PORT=" + std::to_string(port), "OMP_NUM_THREADS=1"};
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    const std::string k = kv.substr(0, kv.find('='));
    if (k != "RANK" && k != "WORLD_SIZE" && k != "LOCAL_RANK" && k != "LOCAL_WORLD_SIZE" && k != "MASTER_ADDR" &&
        k != "MASTER_PORT" && k != "OMP_NUM_THREADS")
      env.push_back(kv);
  }
  std::vector<std::string> args = {R1_BINARY,     "dist_check",         "--bandwidth", "true",
                                   "--min_bytes", std::to_string(bytes), "--max_bytes", std::to_string(bytes),
                                   "--iters",     std::to_string(kIters), "--warmup",  std::to_string(kWarmup)};
  std::vector<char*> argv, envp;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  posix_spawn(&pid, R1_BINARY, &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

double memcpy_gbps(int64_t bytes) {
  auto src = torch::ones({bytes / 4}), dst = torch::empty({bytes / 4});
  dst.copy_(src);
  const int reps = static_cast<int>(std::max<int64_t>(10, (256 << 20) / bytes));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) dst.copy_(src);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / reps;
  return bytes / s / 1e9;
}

void BM_AllReduce2Proc(benchmark::State& state) {
  const int64_t bytes = state.range(0);
  for (auto _ : state) {
    r1::dist::LaunchEnv env;
    env.world_size = env.local_world_size = 2;
    env.master_addr = "127.0.0.1";
    env.master_port = r1::dist::pick_free_port();
    const pid_t peer = start_peer(env.master_port, bytes);
    r1::dist::DistConfig cfg;
    cfg.timeout_s = 120;
    std::vector<r1::dist::BandwidthRow> rows;
    {
      r1::dist::Runtime rt(env, cfg);
      r1::dist::check_collectives(rt);
      rows = r1::dist::measure_all_reduce(rt, bytes, bytes, 4, kIters, kWarmup);
    }
    int status = 0;
    ::waitpid(peer, &status, 0);
    if (rows.empty() || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError("the peer rank failed");
      return;
    }
    state.SetIterationTime(rows[0].seconds);
    const double copy = memcpy_gbps(bytes);
    state.counters["algbw_GBps"] = rows[0].algbw;
    state.counters["busbw_GBps"] = rows[0].busbw;
    state.counters["memcpy_GBps"] = copy;
    state.counters["busbw_over_memcpy"] = rows[0].busbw / copy;
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_AllReduce2Proc)
    ->RangeMultiplier(16)
    ->Range(4 << 10, 64 << 20)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
