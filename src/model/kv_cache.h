// KVCache: preallocated per-layer key/value storage for a batch of sequences, written in place.
//
// Two ways to fill it:
//   lockstep — every row holds `length` slots (left-padded prompts: `valid` marks real tokens and
//              `next_position` is each row's next RoPE position, so padding never shifts positions);
//              any number of tokens per forward.
//   ragged   — `row_length` (host) holds each row's own slot count, with no padding: row b's tokens
//              sit at slots 0..row_length[b]-1, which are also their positions. A forward appends one
//              token per row at slot row_length[b] (decode). This is the engine's slot cache: a
//              request's prompt is prefilled in a lockstep cache and its real slots copied into free
//              rows here (copy_rows), finished rows are overwritten by the last row (move_row) so the
//              running rows stay a prefix, and a step decodes rows(n), a view of that prefix.
#pragma once
#include <ATen/ATen.h>

#include <vector>

namespace r1::model {

// How decode passes (one token per row) over a cache attend (attention.h):
//   matmul    — scaled_attention, the plain path; on these shapes matmul becomes bmm, which Debian's
//               libtorch (no MKL) runs as one GEMM call per matrix with a select of each operand
//               (thousands of ops per step at batch 64; bench/README.md);
//   broadcast — decode_attention: scores and output as broadcast multiply-and-sum, a dozen ops;
//   kernel    — decode_attention_kernel: one loop per (row, head) over its keys, no intermediates
//               (fp32 on CPU; other dtypes and devices take broadcast).
// A property of the cache, not the model, so engines on one model in several threads choose alone.
enum class DecodeAttention { matmul, broadcast, kernel };

// What one layer caches. GQA: a = K, b = V, each [B, Hkv, S, D] (seq_dim 2).
// MLA: a = normalized latent c_kv [B, S, kv_lora_rank], b = rotated k_pe [B, S, rope_dim] (seq_dim 1).
struct LayerCache {
  at::Tensor a, b;
  int64_t seq_dim = 2;
};

struct KVCache {
  std::vector<LayerCache> layers;
  at::Tensor valid;          // [B, S] bool: slot holds a real token (lockstep)
  at::Tensor next_position;  // [B] int64 (lockstep)
  int64_t length = 0;        // slots filled: the same for every row (lockstep), the most of any row (ragged)
  int64_t capacity = 0;      // S
  std::vector<int64_t> row_length;  // ragged: slots filled per row; empty: lockstep
  DecodeAttention decode_attention = DecodeAttention::matmul;

  int64_t batch() const { return valid.size(0); }
  bool ragged() const { return !row_length.empty(); }

  // Keeps rows `index` [B'] (int64), e.g. repeat_interleave to fan one prefilled prompt out to G
  // samples without recomputing it.
  void select_rows(const at::Tensor& index);
  // Bytes held by the layer tensors (for benchmarks).
  int64_t bytes() const;

  // Ragged-cache operations (the engine's slots); every layer tensor is written in place.
  // Rows [dst, dst + n) get slots [from, from + len) of `src`'s row src_row at slots [0, len), and
  // row_length len (a prompt prefilled once, fanned out to n choices; `from` skips left padding).
  void copy_rows(int64_t dst, int64_t n, const KVCache& src, int64_t src_row, int64_t from, int64_t len);
  // Row dst takes row src's slots (a finished row's slot refilled by the last running row).
  void move_row(int64_t dst, int64_t src);
  // A view of rows [0, n): tensors share storage, so a forward through it writes this cache;
  // row_length is a copy the caller writes back (see Engine).
  KVCache rows(int64_t n) const;
  // Reallocates every layer to `capacity` slots, keeping the filled ones.
  void grow(int64_t capacity);
};

}  // namespace r1::model
