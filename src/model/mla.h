// Multi-head Latent Attention (DeepSeek-V2/V3, R1_SPEC §6.3). Keys and values are compressed into
// one normalized latent c_kv per token plus a RoPE key k_pe shared by all heads; the cache holds
// only those (kv_lora_rank + qk_rope_head_dim values per token per layer).
//
// Two mathematically equal ways to attend, chosen explicitly with set_path() (not a checkpoint field):
//   naive    — expand c_kv through kv_b_proj into per-head K/V (cheap for long prefill and training);
//   absorbed — fold kv_b_proj's key half (W_UK) into the query and its value half (W_UV) into the
//              output, so attention runs directly against the cached latent (cheap per decode step).
// Both read and write the same latent cache, so a prompt prefilled on one path decodes on the other.
#pragma once
#include <torch/nn/module.h>

#include "model/attention.h"
#include "model/layers.h"
#include "model/model_config.h"

namespace r1::model {

enum class MLAPath { naive, absorbed };

class MLAttentionImpl : public ProjectionOwner {
 public:
  MLAttentionImpl(const ModelConfig& cfg, const DeepSeekV3Config& v3);
  // x [B, T, C] -> [B, T, C]
  torch::Tensor forward(const torch::Tensor& x, const LayerInput& in);
  // a = c_kv [B, S, kv_lora_rank], b = rotated k_pe [B, S, qk_rope_head_dim]
  LayerCache make_cache(int64_t batch, int64_t capacity, const torch::TensorOptions& opts) const;

  void set_path(MLAPath path) { path_ = path; }
  MLAPath path() const { return path_; }

  // Hugging Face names. Query: q_proj when q_lora_rank == 0, else q_a_proj -> q_a_layernorm -> q_b_proj.
  LinearPtr q_proj, q_a_proj, q_b_proj;
  RMSNorm q_a_layernorm{nullptr};
  LinearPtr kv_a_proj_with_mqa;  // C -> kv_lora_rank + qk_rope_head_dim
  RMSNorm kv_a_layernorm{nullptr};  // on c_kv
  LinearPtr kv_b_proj;           // kv_lora_rank -> H * (qk_nope_head_dim + v_head_dim)
  LinearPtr o_proj;              // H * v_head_dim -> C

 private:
  // q_nope [B, H, T, dn], q_pe [B, H, T, dr], c_kv [B, S, r], k_pe [B, S, dr] -> [B, H, T, dv]
  torch::Tensor attend_naive(const torch::Tensor& q_nope, const torch::Tensor& q_pe, const torch::Tensor& c_kv,
                             const torch::Tensor& k_pe, const torch::Tensor& mask);
  torch::Tensor attend_absorbed(const torch::Tensor& q_nope, const torch::Tensor& q_pe, const torch::Tensor& c_kv,
                                const torch::Tensor& k_pe, const torch::Tensor& mask);

  int64_t heads_, q_lora_rank_, kv_lora_rank_, nope_dim_, rope_dim_, v_dim_;
  bool interleave_;
  double scale_;
  MLAPath path_ = MLAPath::naive;
  // Both first projections read x: (q_a_proj or q_proj, kv_a_proj_with_mqa).
  ProjectionGroup first_{"q_kv_a_proj", {q_lora_rank_ > 0 ? &q_a_proj : &q_proj, &kv_a_proj_with_mqa}};
};
TORCH_MODULE(MLAttention);

// Sets the path of every MLA module under `model` (main layers and MTP layers). A model starts on
// the naive path; clone_model() does not carry the setting over.
void set_mla_path(torch::nn::Module& model, MLAPath path);

}  // namespace r1::model
