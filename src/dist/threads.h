// Process-wide CPU thread settings, applied once before any work (libtorch pitfall: later changes
// race with running pools). ATen's intra-op pool and OpenBLAS's own pool are separate; on a small
// machine running both at full width oversubscribes the cores.
#pragma once

namespace r1::dist {

// Config keys, ranges and docs: dist/threads_schema.h (add every new field there).
struct ThreadSettings {
  int aten = 0;  // at::set_num_threads; 0 = leave libtorch's default
  int blas = 0;  // openblas_set_num_threads when the BLAS in use is OpenBLAS; 0 = leave as is
};

// Returns a one-line description of what is now in effect (for logs).
const char* apply_thread_settings(const ThreadSettings& s);

}  // namespace r1::dist
