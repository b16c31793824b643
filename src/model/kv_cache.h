// KVCache: preallocated per-layer key/value storage for one batch of sequences that advance in
// lockstep. Rows may hold left-padded prompts: `valid` marks real tokens, `next_position` is each
// row's next RoPE position (so padding never shifts positions).
#pragma once
#include <ATen/ATen.h>

#include <vector>

namespace r1::model {

// What one layer caches. GQA: a = K, b = V, each [B, Hkv, S, D].
// MLA: a = normalized latent c_kv [B, S, kv_lora_rank], b = rotated k_pe [B, S, rope_dim].
struct LayerCache {
  at::Tensor a, b;
};

struct KVCache {
  std::vector<LayerCache> layers;
  at::Tensor valid;          // [B, S] bool: slot holds a real token
  at::Tensor next_position;  // [B] int64
  int64_t length = 0;        // slots filled (same for every row)
  int64_t capacity = 0;      // S

  int64_t batch() const { return valid.size(0); }

  // Keeps rows `index` [B'] (int64), e.g. repeat_interleave to fan one prefilled prompt out to G
  // samples without recomputing it.
  void select_rows(const at::Tensor& index);
  // Bytes held by the layer tensors (for benchmarks).
  int64_t bytes() const;
};

}  // namespace r1::model
