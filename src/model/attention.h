// What every decoder layer receives for one forward pass (LayerInput), scaled dot-product attention
// with GQA broadcasting, and grouped-query attention (Qwen2, Llama). MLA (DeepSeek-V3) is in mla.h.
#pragma once
#include <functional>
#include <string>

#include "model/kv_cache.h"
#include "model/linear.h"
#include "model/rope.h"

namespace r1::model {

// Sees a named intermediate of a forward pass, as llama.cpp's cb(cur, name, il): name
// ("attn_norm", "attn_out", "ffn_inp", "ffn_norm", "ffn_out", "l_out"; "result_norm" with layer -1),
// decoder layer index, tensor [B, T, C]. For bisecting a divergence against a reference.
using IntermediateCallback = std::function<void(const torch::Tensor& t, const std::string& name, int64_t layer)>;

// Everything a decoder layer needs for one forward pass besides its hidden state.
struct LayerInput {
  RotaryTables rope;           // cos/sin of this pass's positions, [B, T, rope_dim/2]
  at::Tensor mask;             // [B, 1, T, S] bool: query t may see key slot s (S = offset + T);
                               // undefined: every query sees every slot (a decode step of equal rows)
  at::Tensor bias;             // the mask as fp32 0 / -inf, [B, 1, T, S], for decode_attention; set
                               // with the mask at decode (once per pass, not per layer)
  at::Tensor valid;            // [B, T] bool: real tokens of this pass (MoE counts only these)
  KVCache* cache = nullptr;    // null: no cache, keys are this pass's tokens
  int64_t layer = 0;           // index into cache->layers
  int64_t offset = 0;          // slots already in the cache before this pass (ragged: the most of any row)
  // Ragged decode (kv_cache.h): row b's one token goes to slot write_slots[b] [B] int64, write_rows =
  // arange(B). Undefined: this pass's tokens go to slots offset .. offset + T - 1 of every row.
  at::Tensor write_rows, write_slots;
  DecodeAttention decode_attention = DecodeAttention::matmul;  // the cache's (kv_cache.h)
  const IntermediateCallback* observe = nullptr;  // null: nobody is looking

  void cb(const torch::Tensor& t, const char* name, int64_t il) const {
    if (observe != nullptr && *observe) (*observe)(t, name, il);
  }
};

// softmax(q k^T * scale + mask) v with GQA broadcasting: q [B, H, T, D], k/v [B, Hkv, S, D*],
// mask [B, 1, T, S] -> [B, H, T, Dv]; query head h reads key/value head h / (H / Hkv). Softmax in fp32.
torch::Tensor scaled_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& mask, double scale);

// The same for one query per row (q [B, H, 1, D]), by broadcast multiply-and-sum; bias [B, 1, 1, S]
// fp32 (0 / -inf) or undefined (nothing masked). Equal to scaled_attention up to rounding (a test).
torch::Tensor decode_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& bias, double scale);

// The same as one loop per (row, head): dot products with its keys, softmax, weighted sum of its
// values, in fp32 on CPU (q, k, v fp32 with unit stride on the last dim; anything else goes to
// decode_attention). Equal to scaled_attention up to rounding (a test).
torch::Tensor decode_attention_kernel(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                      const torch::Tensor& bias, double scale);

// Writes this pass's entries x (cache slot layout, T along seq_dim) into a layer's cache tensor
// `slot` in place — at slots offset.. for every row, or at write_slots[b] per row (ragged) — and
// returns the slots the queries may see, [.., offset + T, ..] along seq_dim.
torch::Tensor append_to_cache(torch::Tensor& slot, const torch::Tensor& x, int64_t seq_dim, const LayerInput& in);

// Query t sits at slot offset + t and sees slots s <= offset + t that are real (key_valid [B, S]);
// it always sees itself, so padded queries get a finite (ignored) output. -> [B, 1, T, S] bool.
torch::Tensor causal_mask(const torch::Tensor& key_valid, int64_t offset, int64_t T);

// Grouped-query attention with HF names q_proj/k_proj/v_proj (bias optional)/o_proj and RoPE in
// the halves layout.
class GQAttentionImpl : public ProjectionOwner {
 public:
  GQAttentionImpl(int64_t hidden, int64_t heads, int64_t kv_heads, int64_t head_dim, bool qkv_bias);
  // x [B, T, C] -> [B, T, C]
  torch::Tensor forward(const torch::Tensor& x, const LayerInput& in);
  // K and V [B, Hkv, capacity, D] each.
  LayerCache make_cache(int64_t batch, int64_t capacity, const torch::TensorOptions& opts) const;

  LinearPtr q_proj, k_proj, v_proj, o_proj;

 private:
  int64_t heads_, kv_heads_, head_dim_;
  ProjectionGroup qkv_{"qkv_proj", {&q_proj, &k_proj, &v_proj}};
};
TORCH_MODULE(GQAttention);

}  // namespace r1::model
