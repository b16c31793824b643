// DeepSeekMoE (R1_SPEC §6.5): shared experts that see every token plus n_routed_experts fine-grained
// SwiGLU experts of which each token uses num_experts_per_tok, chosen by a sigmoid (or softmax) gate
// with group-limited routing and auxiliary-loss-free load balancing through a selection-only bias.
//
// Training hooks (how a trainer uses this file):
//   hidden = model.hidden_states(ids, nullptr, valid); mtp = mtp_loss(model, ids, hidden, valid);  // forwards first,
//   loss = ce + mtp + moe_balance_loss(model);     // then the balance loss (0 when aux_loss_alpha == 0)
//   loss.backward(); optimizer.step();
//   auto s = moe_load_stats(model);                // s.max_over_mean for logging (1 = perfect balance)
//   update_moe_biases(model);                      // b_i += gamma * sign(mean_load - load_i); clears loads
// Loads accumulate over every forward run with gradients enabled since the previous update, so
// rollouts under NoGradGuard never steer the bias. Padding never counts: a forward's `valid` [B, T]
// marks the real tokens, and only those are dispatched to routed experts, counted in the loads and
// averaged into the balance loss (a padded position gets the shared experts' output alone).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>

#include <vector>

#include "model/layers.h"
#include "model/model_config.h"

namespace r1::model {

// The router: HF names mlp.gate.weight [E, C] and mlp.gate.e_score_correction_bias [E].
class MoEGateImpl : public torch::nn::Module {
 public:
  MoEGateImpl(int64_t experts, int64_t dim);
  // The correction bias stays fp32 whatever the model dtype: it moves by gamma = 1e-3 per step,
  // below bf16's resolution near 1.
  void to(torch::Device device, torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Dtype dtype, bool non_blocking = false) override;
  using torch::nn::Module::to;

  torch::Tensor weight;                   // [E, C]
  torch::Tensor e_score_correction_bias;  // [E] fp32 buffer, used for expert selection only
};
TORCH_MODULE(MoEGate);

// One routing decision for N tokens.
struct Routing {
  torch::Tensor scores;   // [N, E] fp32 gate scores before the bias (differentiable)
  torch::Tensor indices;  // [N, K] int64 chosen experts
  torch::Tensor weights;  // [N, K] fp32 mixing weights (unbiased scores, normalized, times routed_scaling_factor)
};

class MoEImpl : public torch::nn::Module {
 public:
  MoEImpl(int64_t hidden, const DeepSeekV3Config& v3);
  // x [B, T, C], valid [B, T] bool (undefined: all real) -> [B, T, C]: shared(x) + sum_k w_k expert_k(x)
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& valid = {});
  // x [N, C] -> the experts each token goes to and their weights.
  Routing route(const torch::Tensor& x) const;

  // Real tokens routed to each expert by the latest forward, [E] int64 (any grad mode).
  const torch::Tensor& last_load() const { return last_load_; }
  // Real tokens routed to each expert, summed over grad-enabled forwards since the last update_bias().
  const torch::Tensor& accumulated_load() const { return accumulated_load_; }
  // Auxiliary-loss-free balancing: e_score_correction_bias += gamma * sign(mean_load - load) over the
  // accumulated loads, then clears them. gamma < 0 means the config's bias_update_speed. No-op
  // without loads.
  void update_bias(double gamma = -1.0);
  // alpha * sum_i f_i P_i averaged over the sequences (with a real token) of the latest forward
  // (R1_SPEC §6.5), a differentiable scalar; undefined when aux_loss_alpha == 0 or no forward ran
  // since the last take_balance_loss() / update_bias().
  const torch::Tensor& balance_loss() const { return balance_loss_; }
  // Returns balance_loss() and forgets it, so a graph already backpropagated is never reused.
  torch::Tensor take_balance_loss();

  MoEGate gate{nullptr};
  torch::nn::ModuleList experts{nullptr};  // n_routed_experts x SwiGLU(C, moe_intermediate_size)
  SwiGLU shared_experts{nullptr};          // SwiGLU(C, n_shared_experts * moe_intermediate_size); null if none

 private:
  // r over the routed rows; sequence [N'] int64: each row's sequence in 0..batch-1.
  torch::Tensor sequence_balance_loss(const Routing& r, const torch::Tensor& sequence, int64_t batch) const;

  int64_t n_experts_, top_k_, n_group_, topk_group_;
  double routed_scaling_factor_, alpha_, gamma_;
  bool norm_topk_prob_, use_bias_, softmax_;
  torch::Tensor last_load_, accumulated_load_, balance_loss_;
};
TORCH_MODULE(MoE);

// Every MoE layer under `model` (main layers, then MTP layers), for the trainer's hooks below.
std::vector<MoEImpl*> moe_layers(torch::nn::Module& model);
// Calls update_bias() on every MoE layer.
void update_moe_biases(torch::nn::Module& model, double gamma = -1.0);
// Sum of the layers' balance losses, taken (cleared) from each layer; a zero scalar on `device`
// when none is defined. Call it after the forwards it belongs to: C++ leaves the order of
// `a() + b()` open, so compute mtp_loss() in its own statement first.
torch::Tensor moe_balance_loss(torch::nn::Module& model);

struct MoELoadStats {
  double max_over_mean = 0.0;  // max_i load_i / mean_i load_i, worst layer (1 = balanced)
  double mean_max_over_mean = 0.0;  // the same averaged over layers
  double min_over_mean = 0.0;  // min_i load_i / mean_i load_i, worst layer (0 = an idle expert)
};
// Load imbalance over the accumulated loads (or the latest forward's when `latest`).
MoELoadStats moe_load_stats(torch::nn::Module& model, bool latest = false);

}  // namespace r1::model
