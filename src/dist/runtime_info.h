// What this process runs on, for `r1 --version` and run logs: r1's version, the libtorch it was
// built against, the BLAS that libblas.so.3 resolved to (OpenBLAS or not: the reference BLAS is ~40x
// slower), the devices libtorch sees and the data folder r1 reads benchmarks from.
#pragma once
#include <string>

namespace r1::dist {

struct RuntimeInfo {
  std::string r1_version;     // the project version (CMakeLists.txt)
  std::string torch_version;  // libtorch's, e.g. "1.13.0"
  std::string blas;           // openblas_get_config() when the BLAS is OpenBLAS, else the library's path
  bool blas_is_openblas = false;
  std::string device;         // "cpu (2 intra-op threads)" or "cuda: 1 device(s)"
  std::string data_dir;       // where benchmarks are read from without --data_dir (core/data_dir.h)
};

RuntimeInfo runtime_info();

// The lines `r1 --version` prints.
std::string describe(const RuntimeInfo& info);

}  // namespace r1::dist
