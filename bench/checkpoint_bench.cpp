// Checkpoint loading against the baseline of reading the same file with read(), in the same run.
// The bench writes a ~1 GB F32 checkpoint (and a BF16 one with the same element count) into /tmp,
// then per iteration times (a) read() of the whole file into a preallocated buffer and (b) loading it
// into preallocated F32 destination tensors, as load_into does for a model:
//   F32            mmap + zero-copy views, one copy into the destination
//   BF16->F32      LoadOptions{kFloat} (converted tensors), then the copy
//   BF16 direct    zero-copy BF16 views, converted by the destination's copy_ (one pass)
// Counters: load_over_read = load time / read time (1.0 = as fast as reading the bytes), and the
// bandwidths. The page cache is warm for both (the files were just written and are re-read each
// iteration), so this measures the CPU cost of the format, not the disk.
//   R1_CKPT_BENCH_MB=1024 build-*/bench/r1_bench --benchmark_filter=Checkpoint
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "core/error.h"
#include "io/safetensors.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int64_t bench_elements() {
  const char* mb = std::getenv("R1_CKPT_BENCH_MB");
  return (mb ? std::atoll(mb) : 1024) * (int64_t{1} << 20) / 4;  // F32 elements
}

// 16 tensors of equal size, written once per process and removed at exit.
struct BenchFiles {
  fs::path dir = fs::temp_directory_path() / ("r1_ckpt_bench_" + std::to_string(::getpid()));
  std::string f32 = (dir / "f32.safetensors").string();
  std::string bf16 = (dir / "bf16.safetensors").string();
  std::vector<int64_t> shape;
  BenchFiles() {
    fs::create_directories(dir);
    const int64_t n = bench_elements() / 16, cols = 4096;
    shape = {n / cols, cols};
    r1::io::TensorMap m, h;
    torch::manual_seed(0);
    for (int i = 0; i < 16; ++i) {
      at::Tensor t = torch::randn(shape);
      const std::string name = "model.layers." + std::to_string(i) + ".mlp.up_proj.weight";
      m[name] = t;
      h[name] = t.to(torch::kBFloat16);
    }
    r1::io::save_safetensors(f32, m);
    r1::io::save_safetensors(bf16, h);
  }
  ~BenchFiles() { fs::remove_all(dir); }
};

const BenchFiles& files() {
  static BenchFiles f;
  return f;
}

double read_whole_file(const std::string& path, std::vector<char>& buf) {
  const auto t0 = Clock::now();
  int fd = ::open(path.c_str(), O_RDONLY);
  r1::check(fd >= 0, path, "cannot open");
  size_t off = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf.data() + off, std::min<size_t>(buf.size() - off, size_t{64} << 20));
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  r1::check(off == buf.size(), path, "short read");
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

enum class Mode { F32, Bf16Converted, Bf16Direct };

void BM_CheckpointLoad(benchmark::State& state, Mode mode) {
  const BenchFiles& f = files();
  const std::string& path = mode == Mode::F32 ? f.f32 : f.bf16;
  std::vector<char> buf(fs::file_size(path));
  std::vector<at::Tensor> dst;
  for (int i = 0; i < 16; ++i) dst.push_back(torch::empty(f.shape).fill_(0));  // touched: no first-fault cost
  r1::io::LoadOptions opt;
  if (mode == Mode::Bf16Converted) opt.float_dtype = at::kFloat;
  double read_s = 0, load_s = 0;
  for (auto _ : state) {
    read_s += read_whole_file(path, buf);
    const auto t0 = Clock::now();
    {
      torch::NoGradGuard ng;
      r1::io::TensorMap m = r1::io::load_safetensors(path, opt);
      int i = 0;
      for (auto& [name, t] : m) dst[i++].copy_(t);
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    load_s += s;
    state.SetIterationTime(s);
  }
  const double iters = static_cast<double>(state.iterations());
  state.counters["file_MB"] = static_cast<double>(buf.size()) / 1e6;
  state.counters["read_GBps"] = buf.size() * iters / read_s / 1e9;
  state.counters["load_GBps"] = buf.size() * iters / load_s / 1e9;  // file bytes per second
  state.counters["load_over_read"] = load_s / read_s;
}

BENCHMARK_CAPTURE(BM_CheckpointLoad, F32, Mode::F32)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(BM_CheckpointLoad, BF16_to_F32, Mode::Bf16Converted)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_CheckpointLoad, BF16_direct_copy, Mode::Bf16Direct)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
