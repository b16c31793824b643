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
// Counters (best iteration of each side): GBps (quantized bytes / time), f32_GBps, speedup (fp32
// time / quantized time; speedup_mean from mean times), of_stream (GBps / the streaming read's
// bandwidth). Formats: q8_0 and q4_0 with q8_0 activations (llama.cpp's arithmetic), q4_1, and
// q8_0 with fp32 activations (the alternative measured for the activation-format choice).
// One thread, timed in thread CPU time (CLOCK_THREAD_CPUTIME_ID): on a machine shared with other
// jobs, wall time mostly measures the scheduler, while CPU time still counts every memory stall.
// The rows go through at::parallel_for as the model layer will split them (inline at 1 thread).
//   QuantTorchInt8/<shape>/<engine>  what Debian's libtorch offers instead: quantized::linear_dynamic
//                          (int8 weights with one per-channel scale, activations quantized per
//                          tensor) on its engines QNNPACK and ONEDNN — it has no FBGEMM, and no
//                          block-wise or 4-bit format, so it cannot run GGML's Q8_0/Q4_0 bytes
//   R1_QUANT_BENCH_LAYERS=24 build/bench/r1_bench --benchmark_filter=Quant
#include <ATen/native/quantized/PackedParams.h>
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <algorithm>
#include <ctime>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "kernels/quant_matmul.h"
#include "kernels/quantize.h"

namespace {

// Thread CPU time: see the header comment.
struct Clock {
  static double now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
};
using r1::kernels::ActivationFormat;
using r1::kernels::QuantType;

double seconds_since(double t0) { return Clock::now() - t0; }

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

// Per-iteration times of the fp32 baseline and the quantized product on the same weights. The
// counters use the best iteration of each: on a machine shared with other jobs a descheduled
// iteration says nothing about the kernel (speedup_mean keeps the mean-based ratio too).
struct Timing {
  double f32 = 0, quant = 0, best_f32 = 1e30, best_quant = 1e30;
  uint64_t f32_bytes = 0, quant_bytes = 0;  // per iteration
  void add(double f, double q) {
    f32 += f;
    quant += q;
    best_f32 = std::min(best_f32, f);
    best_quant = std::min(best_quant, q);
  }
  void report(benchmark::State& state) const {
    const double gbps = static_cast<double>(quant_bytes) / best_quant / 1e9;
    state.counters["GBps"] = gbps;
    state.counters["f32_GBps"] = static_cast<double>(f32_bytes) / best_f32 / 1e9;
    state.counters["speedup"] = best_f32 / best_quant;
    state.counters["speedup_mean"] = f32 / quant;
    state.counters["of_stream"] = gbps / stream_read_gbps();
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
  torch::set_num_threads(1);
  torch::NoGradGuard ng;
  const int64_t copies = std::max<int64_t>(1, (int64_t{512} << 20) / (s.n * s.k * 4));
  const std::vector<Matrix>& ms = matrices(s.name, f.type, std::vector<std::pair<int64_t, int64_t>>(copies, {s.n, s.k}));
  const at::Tensor x = torch::randn({s.k});
  at::Tensor y32 = torch::empty({s.n});
  std::vector<float> y(static_cast<size_t>(s.n));
  r1::kernels::Q8Activations scratch;
  Timing t;
  t.f32_bytes = static_cast<uint64_t>(s.n * s.k * 4);
  t.quant_bytes = ms.front().blocks.size();
  int64_t i = 0;
  for (auto _ : state) {
    const Matrix& m = ms[static_cast<size_t>(i++ % copies)];
    auto t0 = Clock::now();
    at::mv_out(y32, m.f32, x);
    const double f32 = seconds_since(t0);
    t0 = Clock::now();
    quant_matvec(m.q(), x.data_ptr<float>(), y.data(), f.activations, scratch);
    const double q = seconds_since(t0);
    t.add(f32, q);
    state.SetIterationTime(q);
  }
  t.report(state);
  state.SetLabel(std::string(s.name) + " " + f.name);
}

BENCHMARK(BM_QuantMatvec)->ArgsProduct({{0, 1, 2, 3, 4}, {0, 1, 2, 3}})->UseManualTime()->MinTime(0.5)->Unit(benchmark::kMicrosecond);

// libtorch's own int8 linear (dynamic quantization) on the same shapes, per quantized engine.
void BM_QuantTorchInt8(benchmark::State& state) {
  const Shape& s = kShapes[state.range(0)];
  const at::QEngine engine = state.range(1) == 0 ? at::QEngine::QNNPACK : at::QEngine::ONEDNN;
  const auto& engines = at::globalContext().supportedQEngines();
  if (std::find(engines.begin(), engines.end(), engine) == engines.end()) {
    state.SkipWithError("engine not in this libtorch");
    return;
  }
  at::globalContext().setQEngine(engine);
  torch::set_num_threads(1);
  torch::NoGradGuard ng;
  const int64_t copies = std::max<int64_t>(1, (int64_t{512} << 20) / (s.n * s.k * 4));
  const std::vector<Matrix>& ms = matrices(s.name, QuantType::q8_0, std::vector<std::pair<int64_t, int64_t>>(copies, {s.n, s.k}));
  auto prepack = c10::Dispatcher::singleton()
                     .findSchemaOrThrow("quantized::linear_prepack", "")
                     .typed<c10::intrusive_ptr<LinearPackedParamsBase>(at::Tensor, c10::optional<at::Tensor>)>();
  std::vector<c10::intrusive_ptr<LinearPackedParamsBase>> packed;
  for (const auto& m : ms) {
    const at::Tensor scales = m.f32.abs().amax(1).clamp_min(1e-8) / 127;
    const at::Tensor zeros = torch::zeros({m.f32.size(0)}, torch::kLong);
    packed.push_back(prepack.call(at::quantize_per_channel(m.f32, scales.to(torch::kDouble), zeros, 0, at::kQInt8), c10::nullopt));
  }
  const at::Tensor x = torch::randn({1, s.k});
  at::Tensor y32 = torch::empty({s.n});
  Timing t;
  t.f32_bytes = static_cast<uint64_t>(s.n * s.k * 4);
  t.quant_bytes = static_cast<uint64_t>(s.n * s.k);
  int64_t i = 0;
  for (auto _ : state) {
    const size_t c = static_cast<size_t>(i++ % copies);
    auto t0 = Clock::now();
    at::mv_out(y32, ms[c].f32, x[0]);
    const double f32 = seconds_since(t0);
    t0 = Clock::now();
    benchmark::DoNotOptimize(packed[c]->apply_dynamic(x));
    const double q = seconds_since(t0);
    t.add(f32, q);
    state.SetIterationTime(q);
  }
  t.report(state);
  state.SetLabel(std::string(s.name) + (engine == at::QEngine::QNNPACK ? " qnnpack" : " onednn"));
}
BENCHMARK(BM_QuantTorchInt8)
    ->ArgsProduct({{2, 3}, {0, 1}})
    ->UseManualTime()
    ->MinTime(0.5)
    ->Unit(benchmark::kMicrosecond);

int64_t bench_layers() {
  const char* v = std::getenv("R1_QUANT_BENCH_LAYERS");
  return v ? std::atoll(v) : 24;
}

// One token of Qwen2.5-0.5B's matrix-vector products: every layer's 7 matrices, then the head.
void BM_QuantDecodeLayers(benchmark::State& state) {
  const Format& f = kFormats[state.range(0)];
  torch::set_num_threads(1);
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
  for (const auto& m : ms) {
    t.f32_bytes += static_cast<uint64_t>(m.f32.numel() * 4);
    t.quant_bytes += m.blocks.size();
  }
  for (auto _ : state) {
    auto t0 = Clock::now();
    for (size_t i = 0; i < ms.size(); ++i) at::mv_out(y32[i], ms[i].f32, ms[i].f32.size(1) == 896 ? x896 : x4864);
    const double f32 = seconds_since(t0);
    t0 = Clock::now();
    for (size_t i = 0; i < ms.size(); ++i)
      quant_matvec(ms[i].q(), (ms[i].f32.size(1) == 896 ? x896 : x4864).data_ptr<float>(), y[i].data(), f.activations, scratch);
    const double q = seconds_since(t0);
    t.add(f32, q);
    state.SetIterationTime(q);
  }
  t.report(state);
  state.counters["f32_tokens_per_s"] = 1 / t.best_f32;
  state.counters["tokens_per_s"] = 1 / t.best_quant;
  state.SetLabel(std::string(f.name) + ", " + std::to_string(bench_layers()) + " layers + head");
}
BENCHMARK(BM_QuantDecodeLayers)
    ->DenseRange(0, 3)
    ->UseManualTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMillisecond);

}  // namespace
