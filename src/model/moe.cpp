#include "model/moe.h"

#include <torch/nn/functional/activation.h>

#include <algorithm>
#include <limits>

#include "model/causal_lm.h"

namespace r1::model {

MoEGateImpl::MoEGateImpl(int64_t experts, int64_t dim) {
  weight = register_parameter("weight", torch::empty({experts, dim}).normal_(0.0, 0.02));
  e_score_correction_bias = register_buffer("e_score_correction_bias", torch::zeros({experts}, torch::kFloat32));
}

void MoEGateImpl::to(torch::Device device, torch::Dtype dtype, bool non_blocking) {
  auto keep = e_score_correction_bias.to(device, torch::kFloat32, false, /*copy=*/true);
  torch::nn::Module::to(device, dtype, non_blocking);
  e_score_correction_bias.set_data(keep);
}

void MoEGateImpl::to(torch::Dtype dtype, bool non_blocking) {
  auto keep = e_score_correction_bias.to(torch::kFloat32, false, /*copy=*/true);
  torch::nn::Module::to(dtype, non_blocking);
  e_score_correction_bias.set_data(keep);
}

MoEImpl::MoEImpl(const ModelConfig& cfg)
    : n_experts_(cfg.n_routed_experts), top_k_(cfg.num_experts_per_tok), n_group_(cfg.n_group),
      topk_group_(cfg.topk_group), routed_scaling_factor_(cfg.routed_scaling_factor), alpha_(cfg.aux_loss_alpha),
      gamma_(cfg.bias_update_speed), norm_topk_prob_(cfg.norm_topk_prob), use_bias_(cfg.topk_method == "noaux_tc"),
      softmax_(cfg.scoring_func == "softmax") {
  gate = register_module("gate", MoEGate(n_experts_, cfg.hidden_size));
  experts = register_module("experts", torch::nn::ModuleList());
  for (int64_t e = 0; e < n_experts_; ++e) experts->push_back(SwiGLU(cfg.hidden_size, cfg.moe_intermediate_size));
  if (cfg.n_shared_experts > 0)
    shared_experts = register_module("shared_experts",
                                     SwiGLU(cfg.hidden_size, cfg.n_shared_experts * cfg.moe_intermediate_size));
  last_load_ = torch::zeros({n_experts_}, torch::kInt64);
  accumulated_load_ = torch::zeros({n_experts_}, torch::kInt64);
}

Routing MoEImpl::route(const torch::Tensor& x) const {
  const auto N = x.size(0);
  // Scores in fp32 (fp64 in gradient checks) whatever the model dtype, as the reference gate.
  auto compute = x.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  auto logits = torch::matmul(x.to(compute), gate->weight.to(compute).t());    // [N, E]
  Routing r;
  r.scores = softmax_ ? torch::softmax(logits, -1) : torch::sigmoid(logits);   // [N, E]
  {
    // Selection is not differentiable; the bias shifts which experts win but not their weights.
    torch::NoGradGuard no_grad;
    auto choice = r.scores.detach();
    if (use_bias_) choice = choice + gate->e_score_correction_bias.to(choice.options());
    if (n_group_ > 1) {
      const int64_t per_group = n_experts_ / n_group_;
      auto grouped = choice.view({N, n_group_, per_group});                   // [N, G, E/G]
      // noaux_tc ranks a group by the sum of its two best biased scores; greedy by its best one.
      auto group_score = use_bias_ ? std::get<0>(grouped.topk(std::min<int64_t>(2, per_group), -1)).sum(-1)
                                   : std::get<0>(grouped.max(-1));            // [N, G]
      auto kept = std::get<1>(group_score.topk(topk_group_, -1));             // [N, topk_group]
      auto allowed = torch::zeros_like(group_score).scatter_(1, kept, 1.0) > 0;  // [N, G]
      choice = grouped.masked_fill(~allowed.unsqueeze(-1), -std::numeric_limits<double>::infinity())
                   .view({N, n_experts_});
    }
    r.indices = std::get<1>(choice.topk(top_k_, -1));                        // [N, K]
  }
  r.weights = r.scores.gather(1, r.indices);                                  // [N, K]
  if (norm_topk_prob_) r.weights = r.weights / (r.weights.sum(-1, /*keepdim=*/true) + 1e-20);
  r.weights = r.weights * routed_scaling_factor_;
  return r;
}

torch::Tensor MoEImpl::forward(const torch::Tensor& x) {
  const auto C = x.size(-1);
  auto flat = x.reshape({-1, C});                                             // [N, C]
  if (flat.size(0) == 0) return torch::zeros_like(x);
  auto r = route(flat);

  // Dispatch: sort the N*K (token, expert) assignments by expert so each expert runs once on a
  // contiguous slice of its tokens, then scatter-add the weighted outputs back to their tokens.
  auto assignment = r.indices.reshape({-1});                                  // [N*K]
  auto order = torch::argsort(assignment, /*stable=*/true, 0);                // [N*K]
  auto token = torch::div(order, top_k_, "floor");                            // [N*K] source token
  auto x_sorted = flat.index_select(0, token);                                // [N*K, C]
  auto w_sorted = r.weights.reshape({-1}).index_select(0, order).to(x.scalar_type()).unsqueeze(1);
  auto counts = torch::bincount(assignment, {}, n_experts_).cpu();            // [E]
  const auto* n = counts.data_ptr<int64_t>();
  std::vector<torch::Tensor> outs;
  int64_t start = 0;
  for (int64_t e = 0; e < n_experts_; ++e) {
    if (n[e] == 0) continue;
    auto* expert = experts[e]->as<SwiGLUImpl>();
    outs.push_back(expert->forward(x_sorted.narrow(0, start, n[e])) * w_sorted.narrow(0, start, n[e]));
    start += n[e];
  }
  auto y = torch::zeros_like(flat).index_add(0, token, torch::cat(outs, 0));  // [N, C]
  if (shared_experts) y = y + shared_experts(flat);

  last_load_ = counts;
  if (torch::GradMode::is_enabled()) accumulated_load_ = accumulated_load_ + counts;
  if (alpha_ > 0 && x.dim() == 3) balance_loss_ = sequence_balance_loss(r, x.size(0), x.size(1));
  return y.view(x.sizes());
}

torch::Tensor MoEImpl::sequence_balance_loss(const Routing& r, int64_t batch, int64_t steps) const {
  // f_i = E / (K T) * (tokens of the sequence routed to i); P_i = mean over the sequence of the
  // score of i normalized over experts. L = alpha * sum_i f_i P_i, averaged over sequences.
  auto chosen = torch::zeros_like(r.scores).scatter_(1, r.indices, 1.0).detach();  // [N, E]
  auto f = chosen.view({batch, steps, n_experts_}).sum(1) * (double(n_experts_) / double(top_k_ * steps));
  auto normed = r.scores / r.scores.sum(-1, /*keepdim=*/true);
  auto p = normed.view({batch, steps, n_experts_}).mean(1);                   // [B, E]
  return alpha_ * (f * p).sum(-1).mean();
}

torch::Tensor MoEImpl::take_balance_loss() {
  auto loss = balance_loss_;
  balance_loss_ = torch::Tensor();
  return loss;
}

void MoEImpl::update_bias(double gamma) {
  if (gamma < 0) gamma = gamma_;
  balance_loss_ = torch::Tensor();  // belongs to a step that is over
  auto load = accumulated_load_.to(torch::kFloat64);
  if (load.sum().item<double>() == 0) return;
  torch::NoGradGuard no_grad;
  auto& bias = gate->e_score_correction_bias;
  // Overloaded experts (load above the mean) lose gamma, underloaded ones gain it.
  bias.add_((load.mean() - load).sign().to(bias.options()) * gamma);
  accumulated_load_ = torch::zeros_like(accumulated_load_);
}

std::vector<MoEImpl*> moe_layers(CausalLMImpl& model) {
  std::vector<MoEImpl*> out;
  for (const auto& m : model.modules())
    if (auto* moe = dynamic_cast<MoEImpl*>(m.get())) out.push_back(moe);
  return out;
}

void update_moe_biases(CausalLMImpl& model, double gamma) {
  for (auto* moe : moe_layers(model)) moe->update_bias(gamma);
}

torch::Tensor moe_balance_loss(CausalLMImpl& model) {
  auto total = torch::zeros({}, torch::TensorOptions().device(model.device()));
  for (auto* moe : moe_layers(model)) {
    auto loss = moe->take_balance_loss();
    if (loss.defined()) total = total + loss;
  }
  return total;
}

MoELoadStats moe_load_stats(CausalLMImpl& model, bool latest) {
  MoELoadStats s;
  int64_t layers = 0;
  for (auto* moe : moe_layers(model)) {
    auto load = (latest ? moe->last_load() : moe->accumulated_load()).to(torch::kFloat64);
    double mean = load.mean().item<double>();
    if (mean == 0) continue;
    double hi = load.max().item<double>() / mean, lo = load.min().item<double>() / mean;
    s.max_over_mean = std::max(s.max_over_mean, hi);
    s.min_over_mean = layers == 0 ? lo : std::min(s.min_over_mean, lo);
    s.mean_max_over_mean += hi;
    ++layers;
  }
  if (layers > 0) s.mean_max_over_mean /= layers;
  return s;
}

}  // namespace r1::model
