// Quantized matrix-vector products (kernels/quant_matmul.h) on Qwen2.5-0.5B's shapes, against fp32
// at::mv on the same matrices and against the machine's memory bandwidth, all measured in the same
// run. Batch-1 decode reads every weight once per token, so the figure of merit is weight bytes
// read per second.
//   QuantStreamRead        a streaming read of 1 GiB (8 integer accumulators): the bandwidth ceiling
//   QuantMatvec/<shape>    one matrix, as many copies as fill 512 MB so each product streams from
//                          DRAM, not cache; per iteration the fp32 at::mv and the quantized kernel
//                          run on the same copy
//   QuantDecodeLayers      the whole 0.5B layer set (24 x q, k, v, o, gate, up, down + the tied
//                          151936 x 896 output head, 494M weights), one token's matrix-vector
//                          products, fp32 vs quantized
// Counters: GBps (quantized bytes / time), f32_GBps, speedup (fp32 time / quantized time),
// of_stream (GBps / the streaming read's bandwidth). Formats: q8_0 and q4_0 with q8_0 activations
// (llama.cpp's arithmetic), q4_1, and q8_0 with fp32 activations (the alternative measured for the
// activation-format choice). Threads 1 and 2: rows split with at::parallel_for, as the model layer
// will, and at::mv given the same number of threads.
//   R1_QUANT_BENCH_LAYERS=24 build/bench/r1_bench --benchmark_filter=Quant
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "kernels/quant_matmul.h"
#include "kernels/quantize.h"

namespace {

using Clock = std::chrono::steady_clock;
using r1::kernels::ActivationFormat;
using r1::kernels::QuantType;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The streaming-read bandwidth in GB/s, measured once per process (best of 5 passes over 1 GiB).
double stream_read_gbps() {
  static const double gbps = [] {
    std::vector<uint64_t> buf((size_t{1} << 30) / 8);
    for (size_t i = 0; i < buf.size(); ++i) buf[i] = i;
    double best = 0;
    for (int pass = 0; pass < 5; ++pass) {
      const auto t0 = Clock::now();
      uint64_t acc[8] = {};
      for (size_t i = 0; i < buf.size(); i += 8)
        for (int j = 0; j < 8; ++j) acc[j] += buf[i + j];
      const double s = seconds_since(t0);
      benchmark::DoNotOptimize(acc);
      best = std::max(best, static_cast<double>(buf.size() * 8) / s / 1e9);
    }
    return best;
  }();
  return gbps;
}

void BM_QuantStreamRead(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(stream_read_gbps());
  state.counters["GBps"] = stream_read_gbps();
}
BENCHMARK(BM_QuantStreamRead)->Iterations(1)->Unit(benchmark::kMillisecond);

struct Format {
  const char* name;
  QuantType type;
  ActivationFormat activations;
};
constexpr Format kFormats[] = {{"q8_0", QuantType::q8_0, ActivationFormat::q8_0},
                               {"q4_0", QuantType::q4_0, ActivationFormat::q8_0},
                               {"q4_1", QuantType::q4_1, ActivationFormat::q8_0},
                               {"q8_0_f32act", QuantType::q8_0, ActivationFormat::f32}};

// One weight matrix in fp32 and quantized.
struct Matrix {
  at::Tensor f32;               // [N, K]
  QuantType type = QuantType::q8_0;
  std::vector<uint8_t> blocks;  // the quantized rows
  r1::kernels::QuantMatrix q() const { return {type, f32.size(0), f32.size(1), blocks.data()}; }
};

void quantize_into(Matrix& m, QuantType t) {
  m.type = t;
  const int64_t n = m.f32.size(0), k = m.f32.size(1), rb = r1::kernels::quant_row_bytes(t, k);
  m.blocks.assign(static_cast<size_t>(n * rb), 0);
  const float* w = m.f32.data_ptr<float>();
  for (int64_t r = 0; r < n; ++r) r1::kernels::quantize_row(t, w + r * k, k, m.blocks.data() + r * rb);
}

// The matrices of one benchmark family, kept across its benchmarks: built in fp32 once per `key`
// (the shapes), re-quantized when the format changes (benchmarks run shape by shape, then format
// by format), so building a 2 GB fp32 layer set happens once.
std::vector<Matrix>& matrices(const std::string& key, QuantType t, const std::vector<std::pair<int64_t, int64_t>>& shapes) {
  static std::string built;
  static std::vector<Matrix> ms;
  if (built != key) {
    ms.clear();
    torch::manual_seed(0);
    for (const auto& [n, k] : shapes) {
      ms.push_back({torch::randn({n, k}) * 0.02, t, {}});
      quantize_into(ms.back(), t);
    }
    built = key;
  } else if (ms.front().type != t) {
    for (auto& m : ms) quantize_into(m, t);
  }
  return ms;
}

// y = W x with the rows split over the intra-op threads.
void quant_matvec(const r1::kernels::QuantMatrix& w, const float* x, float* y, ActivationFormat a,
                  r1::kernels::Q8Activations& scratch) {
  const auto path = r1::kernels::best_kernel_path();
  if (a == ActivationFormat::q8_0) r1::kernels::quantize_activations(x, 1, w.cols, scratch, path);
  at::parallel_for(0, w.rows, 64, [&](int64_t r0, int64_t r1) {
    if (a == ActivationFormat::q8_0)
      r1::kernels::quant_matmul_rows(w, scratch, y, w.rows, r0, r1, path);
    else
      r1::kernels::quant_matmul_rows_f32(w, x, 1, y, w.rows, r0, r1, path);
  });
}

struct Timing {
  double f32 = 0, quant = 0;
  uint64_t f32_bytes = 0, quant_bytes = 0;
  void report(benchmark::State& state) const {
    state.counters["GBps"] = static_cast<double>(quant_bytes) / quant / 1e9;
    state.counters["f32_GBps"] = static_cast<double>(f32_bytes) / f32 / 1e9;
    state.counters["speedup"] = f32 / quant;
    state.counters["of_stream"] = static_cast<double>(quant_bytes) / quant / 1e9 / stream_read_gbps();
  }
};

// Qwen2.5-0.5B: hidden 896, 14 heads + 2 KV heads of 64, SwiGLU 4864, vocab 151936 (tied).
struct Shape {
  const char* name;
  int64_t n, k;
};
constexpr Shape kShapes[] = {{"q_o_896x896", 896, 896},   {"kv_128x896", 128, 896}, {"gate_up_4864x896", 4864, 896},
                             {"down_896x4864", 896, 4864}, {"lm_head_151936x896", 151936, 896}};

void BM_QuantMatvec(benchmark::State& state) {
  const Shape& s = kShapes[state.range(0)];
  const Format& f = kFormats[state.range(1)];
  torch::set_num_threads(static_cast<int>(state.range(2)));
  torch::NoGradGuard ng;
  torch::manual_seed(0);
  const int64_t copies = std::max<int64_t>(1, (int64_t{512} << 20) / (s.n * s.k * 4));
  const std::vector<Matrix>& ms = matrices(s.name, f.type, std::vector<std::pair<int64_t, int64_t>>(copies, {s.n, s.k}));
  const at::Tensor x = torch::randn({s.k});
  at::Tensor y32 = torch::empty({s.n});
  std::vector<float> y(static_cast<size_t>(s.n));
  r1::kernels::Q8Activations scratch;
  Timing t;
  int64_t i = 0;
  for (auto _ : state) {
    const Matrix& m = ms[static_cast<size_t>(i++ % copies)];
    auto t0 = Clock::now();
    at::mv_out(y32, m.f32, x);
    t.f32 += seconds_since(t0);
    t0 = Clock::now();
    quant_matvec(m.q(), x.data_ptr<float>(), y.data(), f.activations, scratch);
    const double q = seconds_since(t0);
    t.quant += q;
    state.SetIterationTime(q);
    t.f32_bytes += static_cast<uint64_t>(s.n * s.k * 4);
    t.quant_bytes += m.blocks.size();
  }
  t.report(state);
  state.SetLabel(std::string(s.name) + " " + f.name);
}

void matvec_args(benchmark::internal::Benchmark* b) {
  for (int s = 0; s < 5; ++s)
    for (int f = 0; f < 4; ++f)
      for (int threads : {1, 2}) b->Args({s, f, threads});
}
BENCHMARK(BM_QuantMatvec)->Apply(matvec_args)->UseManualTime()->MinTime(0.5)->Unit(benchmark::kMicrosecond);

int64_t bench_layers() {
  const char* v = std::getenv("R1_QUANT_BENCH_LAYERS");
  return v ? std::atoll(v) : 24;
}

// One token of Qwen2.5-0.5B's matrix-vector products: every layer's 7 matrices, then the head.
void BM_QuantDecodeLayers(benchmark::State& state) {
  const Format& f = kFormats[state.range(0)];
  torch::set_num_threads(static_cast<int>(state.range(1)));
  torch::NoGradGuard ng;
  std::vector<std::pair<int64_t, int64_t>> shapes;
  for (int64_t l = 0; l < bench_layers(); ++l)
    for (int s : {0, 1, 1, 0, 2, 2, 3}) shapes.emplace_back(kShapes[s].n, kShapes[s].k);
  shapes.emplace_back(kShapes[4].n, kShapes[4].k);
  const std::vector<Matrix>& ms = matrices("layers", f.type, shapes);
  const at::Tensor x896 = torch::randn({896}), x4864 = torch::randn({4864});
  std::vector<at::Tensor> y32;
  std::vector<std::vector<float>> y;
  for (const auto& m : ms) {
    y32.push_back(torch::empty({m.f32.size(0)}));
    y.emplace_back(static_cast<size_t>(m.f32.size(0)));
  }
  r1::kernels::Q8Activations scratch;
  Timing t;
  for (auto _ : state) {
    auto t0 = Clock::now();
    for (size_t i = 0; i < ms.size(); ++i) at::mv_out(y32[i], ms[i].f32, ms[i].f32.size(1) == 896 ? x896 : x4864);
    t.f32 += seconds_since(t0);
    t0 = Clock::now();
    for (size_t i = 0; i < ms.size(); ++i)
      quant_matvec(ms[i].q(), (ms[i].f32.size(1) == 896 ? x896 : x4864).data_ptr<float>(), y[i].data(), f.activations, scratch);
    const double q = seconds_since(t0);
    t.quant += q;
    state.SetIterationTime(q);
    for (const auto& m : ms) {
      t.f32_bytes += static_cast<uint64_t>(m.f32.numel() * 4);
      t.quant_bytes += m.blocks.size();
    }
  }
  t.report(state);
  state.counters["f32_tokens_per_s"] = static_cast<double>(state.iterations()) / t.f32;
  state.counters["tokens_per_s"] = static_cast<double>(state.iterations()) / t.quant;
  state.SetLabel(std::string(f.name) + ", " + std::to_string(bench_layers()) + " layers + head");
}
BENCHMARK(BM_QuantDecodeLayers)
    ->ArgsProduct({{0, 1, 2, 3}, {1, 2}})
    ->UseManualTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMillisecond);

}  // namespace
