#include "model/kv_cache.h"

namespace r1::model {

void KVCache::select_rows(const at::Tensor& index) {
  auto idx = index.to(valid.device());
  for (auto& l : layers) {
    if (l.a.defined()) l.a = l.a.index_select(0, idx);
    if (l.b.defined()) l.b = l.b.index_select(0, idx);
  }
  valid = valid.index_select(0, idx);
  next_position = next_position.index_select(0, idx);
}

int64_t KVCache::bytes() const {
  int64_t n = 0;
  for (const auto& l : layers) {
    if (l.a.defined()) n += l.a.numel() * l.a.element_size();
    if (l.b.defined()) n += l.b.numel() * l.b.element_size();
  }
  return n;
}

}  // namespace r1::model
