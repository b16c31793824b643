#include "dist/runtime_info.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "core/data_dir.h"
#include "core/files.h"

#ifndef R1_VERSION
#define R1_VERSION "unknown"
#endif

namespace r1::dist {

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.r1_version = R1_VERSION;
  info.torch_version = TORCH_VERSION;
  // libtorch reaches BLAS through libblas.so.3 (Debian's alternatives pick which); OpenBLAS names
  // itself, any other BLAS is named by the library that defines sgemm_.
  using ConfigFn = const char* (*)();
  if (auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    info.blas = config();
    info.blas_is_openblas = true;
  } else if (void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_")) {
    Dl_info where;
    info.blas = dladdr(sgemm, &where) && where.dli_fname ? where.dli_fname : "unknown BLAS";
  } else {
    info.blas = "no BLAS loaded";
  }
  if (torch::cuda::is_available()) {
    info.device = "cuda: " + std::to_string(torch::cuda::device_count()) + " device(s)";
  } else {
    info.device = "cpu (" + std::to_string(at::get_num_threads()) + " intra-op threads)";
  }
  for (const auto& c : data_dir_candidates())
    if (path_exists(c.path)) {
      info.data_dir = c.path + " (" + c.origin + ")";
      break;
    }
  if (info.data_dir.empty()) info.data_dir = "none found (set --data_dir or $R1_DATA_DIR)";
  return info;
}

std::string describe(const RuntimeInfo& info) {
  std::string out = "r1 " + info.r1_version + "\n";
  out += "libtorch " + info.torch_version + "\n";
  out += "blas     " + info.blas + (info.blas_is_openblas ? "" : "  (not OpenBLAS: matmuls may be ~40x slower)") + "\n";
  out += "device   " + info.device + "\n";
  out += "data     " + info.data_dir + "\n";
  return out;
}

}  // namespace r1::dist
