#include "dist/threads.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <cstdio>

namespace r1::dist {

const char* apply_thread_settings(const ThreadSettings& s) {
  if (s.aten > 0) at::set_num_threads(s.aten);
  // libtorch reaches BLAS through libblas.so.3; when that is OpenBLAS its symbols are in the process.
  using SetFn = void (*)(int);
  using GetFn = int (*)();
  auto set_blas = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  auto get_blas = reinterpret_cast<GetFn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (s.blas > 0 && set_blas) set_blas(s.blas);
  static char line[128];
  std::snprintf(line, sizeof line, "threads: aten %d, openblas %d", at::get_num_threads(),
                get_blas ? get_blas() : -1);
  return line;
}

}  // namespace r1::dist
