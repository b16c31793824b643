// llama.cpp's own quantization code as the oracle of the kernels tests: ggml's shared libraries from
// the llama.cpp peer (tests/common/llama_peer.h), opened with dlopen, their C functions found with
// dlsym. libggml-base holds the reference quantizers that write model files (quantize_row_*_ref) and
// the fp16 conversions; libggml-cpu-haswell (the AVX2 + FMA + F16C build, the same ISA as our avx2
// path) holds the CPU backend's activation quantizer and dot products.
#pragma once
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "common/llama_peer.h"

namespace r1::kernels::testing {

// ggml's enum ggml_type values (ggml.h), stable across releases.
constexpr int kGgmlQ4_0 = 2, kGgmlQ4_1 = 3, kGgmlQ8_0 = 8;

// struct ggml_type_traits_cpu (ggml-cpu.h).
using GgmlVecDot = void (*)(int n, float* s, size_t bs, const void* x, size_t bx, const void* y, size_t by, int nrc);
struct GgmlTypeTraitsCpu {
  void (*from_float)(const float* x, void* y, int64_t k);
  GgmlVecDot vec_dot;
  int vec_dot_type;
  int64_t nrows;
};

class Ggml {
 public:
  // Opens the libraries once; `error` is set (and the functions are null) when the peer is missing.
  static const Ggml& get() {
    static const Ggml g;
    return g;
  }
  std::string error;
  using Quantize = void (*)(const float* x, void* y, int64_t k);
  using Dequantize = void (*)(const void* x, float* y, int64_t k);
  Quantize quantize_q8_0_ref = nullptr, quantize_q4_0_ref = nullptr, quantize_q4_1_ref = nullptr;
  Dequantize dequantize_q8_0 = nullptr, dequantize_q4_0 = nullptr, dequantize_q4_1 = nullptr;
  uint16_t (*fp32_to_fp16)(float) = nullptr;
  float (*fp16_to_fp32)(uint16_t) = nullptr;
  uint16_t (*fp32_to_bf16)(float) = nullptr;
  Quantize cpu_quantize_q8_0 = nullptr;  // the CPU backend's activation quantizer (AVX2 build)
  const GgmlTypeTraitsCpu* (*type_traits_cpu)(int type) = nullptr;

 private:
  Ggml() {
    const auto& peer = r1::test::LlamaPeer::get();
    if (!peer.error.empty()) {
      error = peer.error;
      return;
    }
    void* base = dlopen((peer.binaries() + "/libggml-base.so").c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!base) {
      error = std::string("dlopen libggml-base.so: ") + dlerror();
      return;
    }
    void* cpu = dlopen((peer.binaries() + "/libggml-cpu-haswell.so").c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!cpu) {
      error = std::string("dlopen libggml-cpu-haswell.so: ") + dlerror();
      return;
    }
    auto sym = [&](void* lib, const char* name) {
      void* p = dlsym(lib, name);
      if (!p && error.empty()) error = std::string("ggml has no symbol ") + name;
      return p;
    };
    quantize_q8_0_ref = reinterpret_cast<Quantize>(sym(base, "quantize_row_q8_0_ref"));
    quantize_q4_0_ref = reinterpret_cast<Quantize>(sym(base, "quantize_row_q4_0_ref"));
    quantize_q4_1_ref = reinterpret_cast<Quantize>(sym(base, "quantize_row_q4_1_ref"));
    dequantize_q8_0 = reinterpret_cast<Dequantize>(sym(base, "dequantize_row_q8_0"));
    dequantize_q4_0 = reinterpret_cast<Dequantize>(sym(base, "dequantize_row_q4_0"));
    dequantize_q4_1 = reinterpret_cast<Dequantize>(sym(base, "dequantize_row_q4_1"));
    fp32_to_fp16 = reinterpret_cast<uint16_t (*)(float)>(sym(base, "ggml_fp32_to_fp16"));
    fp16_to_fp32 = reinterpret_cast<float (*)(uint16_t)>(sym(base, "ggml_fp16_to_fp32"));
    fp32_to_bf16 = reinterpret_cast<uint16_t (*)(float)>(sym(base, "ggml_fp32_to_bf16"));
    cpu_quantize_q8_0 = reinterpret_cast<Quantize>(sym(cpu, "quantize_row_q8_0"));
    type_traits_cpu = reinterpret_cast<const GgmlTypeTraitsCpu* (*)(int)>(sym(cpu, "ggml_get_type_traits_cpu"));
    if (auto init = reinterpret_cast<void (*)()>(sym(cpu, "ggml_cpu_init"))) init();
  }
};

// Skips the test (the npm install failed: no registry) or fails it (the libraries are broken).
#define R1_REQUIRE_GGML()                                                  \
  do {                                                                     \
    const auto& peer_ = r1::test::LlamaPeer::get();                        \
    if (!peer_.error.empty()) GTEST_SKIP() << peer_.error;                 \
    ASSERT_TRUE(r1::kernels::testing::Ggml::get().error.empty())           \
        << r1::kernels::testing::Ggml::get().error;                        \
  } while (0)

}  // namespace r1::kernels::testing
