// Flat buckets of tensors, as DDP packs gradients: fewer, larger collectives move far more bytes per
// second than one per tensor. A bucket holds tensors of one dtype and device, in a given order,
// up to a byte cap (a tensor larger than the cap gets a bucket of its own).
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace r1::dist {

struct Bucket {
  std::vector<size_t> members;  // indices into the tensor list, in bucket order
  std::vector<int64_t> offset;  // element offset of each member in the flat buffer
  int64_t numel = 0;
};

// Buckets of `tensors` visited in `order` (indices). The first bucket of each dtype is capped at
// first_cap_bytes (DDP starts with a small one so the first all-reduce fires early in backward), the
// rest at cap_bytes. Buckets are sorted by the position of their first member in `order`, so every
// rank, given the same shapes, builds the same buckets.
std::vector<Bucket> make_buckets(const std::vector<at::Tensor>& tensors, const std::vector<size_t>& order,
                                 int64_t cap_bytes, int64_t first_cap_bytes);

// 0, 1, ..., n-1 and n-1, ..., 0.
std::vector<size_t> forward_order(size_t n);
std::vector<size_t> reverse_order(size_t n);

// A new contiguous [numel] tensor holding the bucket's members back to back.
at::Tensor flatten(const Bucket& b, const std::vector<at::Tensor>& tensors);
// Copies the flat buffer back into the members (under no-grad: they may be parameters).
void unflatten(const at::Tensor& flat, const Bucket& b, std::vector<at::Tensor>& tensors);

}  // namespace r1::dist
