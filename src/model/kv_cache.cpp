#include "model/kv_cache.h"

#include <algorithm>

#include "core/error.h"

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

void KVCache::copy_rows(int64_t dst, int64_t n, const KVCache& src, int64_t src_row, int64_t from, int64_t len) {
  check(dst >= 0 && dst + n <= static_cast<int64_t>(row_length.size()) && len <= capacity, "kv cache",
        "copy_rows of " + std::to_string(n) + " rows at " + std::to_string(dst) + " with " + std::to_string(len) +
            " slots does not fit " + std::to_string(row_length.size()) + " rows of " + std::to_string(capacity));
  for (size_t i = 0; i < layers.size(); ++i) {
    auto one = [&](at::Tensor& to, const at::Tensor& from_t, int64_t d) {
      auto part = from_t.narrow(0, src_row, 1).narrow(d, from, len);  // [1, .., len, ..]
      auto sizes = part.sizes().vec();
      sizes[0] = n;
      to.narrow(0, dst, n).narrow(d, 0, len).copy_(part.expand(sizes));
    };
    one(layers[i].a, src.layers[i].a, layers[i].seq_dim);
    one(layers[i].b, src.layers[i].b, layers[i].seq_dim);
  }
  for (int64_t r = dst; r < dst + n; ++r) row_length[r] = len;
  length = *std::max_element(row_length.begin(), row_length.end());
}

void KVCache::move_row(int64_t dst, int64_t src) {
  if (dst == src) return;
  const int64_t len = row_length[src];
  for (auto& l : layers) {
    l.a.select(0, dst).narrow(l.seq_dim - 1, 0, len).copy_(l.a.select(0, src).narrow(l.seq_dim - 1, 0, len));
    l.b.select(0, dst).narrow(l.seq_dim - 1, 0, len).copy_(l.b.select(0, src).narrow(l.seq_dim - 1, 0, len));
  }
  row_length[dst] = len;
}

KVCache KVCache::rows(int64_t n) const {
  KVCache v;
  for (const auto& l : layers) v.layers.push_back({l.a.narrow(0, 0, n), l.b.narrow(0, 0, n), l.seq_dim});
  v.valid = valid.narrow(0, 0, n);
  v.next_position = next_position.narrow(0, 0, n);
  v.capacity = capacity;
  v.decode_attention = decode_attention;
  v.row_length.assign(row_length.begin(), row_length.begin() + n);
  v.length = n > 0 ? *std::max_element(v.row_length.begin(), v.row_length.end()) : 0;
  return v;
}

void KVCache::grow(int64_t new_capacity) {
  if (new_capacity <= capacity) return;
  auto regrow = [&](at::Tensor& t, int64_t d) {
    auto sizes = t.sizes().vec();
    sizes[d] = new_capacity;
    auto bigger = at::zeros(sizes, t.options());
    bigger.narrow(d, 0, capacity).copy_(t);
    t = bigger;
  };
  for (auto& l : layers) {
    regrow(l.a, l.seq_dim);
    regrow(l.b, l.seq_dim);
  }
  regrow(valid, 1);
  capacity = new_capacity;
}

}  // namespace r1::model
