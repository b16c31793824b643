// The config schema of ThreadSettings (core/schema.h): `threads.aten`, `threads.blas`.
#pragma once
#include "core/schema.h"
#include "dist/threads.h"

namespace r1::dist {

template <class V>
void visit_fields(V& v, ThreadSettings& c) {
  using namespace r1::schema;
  v.field("aten", c.aten, "ATen intra-op threads (0 = libtorch's default)", at_least(0) | kNotResult);
  v.field("blas", c.blas, "OpenBLAS threads (0 = leave as is)", at_least(0) | kNotResult);
}

}  // namespace r1::dist
