#include "model/moe.h"

#include <torch/nn/functional/activation.h>

#include <algorithm>
#include <limits>

#include "core/error.h"

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

MoEImpl::MoEImpl(int64_t hidden, const DeepSeekV3Config& v3)
    : n_experts_(v3.n_routed_experts), top_k_(v3.num_experts_per_tok), n_group_(v3.n_group),
      topk_group_(v3.topk_group), routed_scaling_factor_(v3.routed_scaling_factor), alpha_(v3.aux_loss_alpha),
      gamma_(v3.bias_update_speed), norm_topk_prob_(v3.norm_topk_prob), use_bias_(v3.topk_method == "noaux_tc"),
      softmax_(v3.scoring_func == "softmax") {
  gate = register_module("gate", MoEGate(n_experts_, hidden));
  experts = register_module("experts", torch::nn::ModuleList());
  for (int64_t e = 0; e < n_experts_; ++e) experts->push_back(SwiGLU(hidden, v3.moe_intermediate_size));
  if (v3.n_shared_experts > 0)
    shared_experts = register_module("shared_experts", SwiGLU(hidden, v3.n_shared_experts * v3.moe_intermediate_size));
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

torch::Tensor MoEImpl::forward(const torch::Tensor& x, const torch::Tensor& valid) {
  const auto C = x.size(-1);
  auto flat = x.reshape({-1, C});                                             // [N, C]
  auto y = shared_experts ? shared_experts(flat) : torch::zeros_like(flat);   // [N, C]
  // The real tokens: all of them, or the rows `valid` marks (padding is never routed).
  auto real = valid.defined() ? valid.to(torch::kBool).reshape(x.sizes().slice(0, x.dim() - 1))
                              : torch::ones(x.sizes().slice(0, x.dim() - 1), torch::dtype(torch::kBool).device(x.device()));
  check(real.numel() == flat.size(0), "MoE forward", "valid must have one entry per token");
  const bool padded = !real.all().item<bool>();
  auto rows = padded ? real.reshape({-1}).nonzero().squeeze(1) : torch::Tensor();  // [N'] real token rows
  auto xr = padded ? flat.index_select(0, rows) : flat;                        // [N', C]
  auto counts = torch::zeros({n_experts_}, torch::kInt64);
  const bool with_balance_loss = alpha_ > 0 && x.dim() == 3;
  if (with_balance_loss) balance_loss_ = torch::Tensor();  // only this forward's counts
  if (xr.size(0) > 0) {
    auto r = route(xr);
    // Dispatch: sort the N'*K (token, expert) assignments by expert so each expert runs once on a
    // contiguous slice of its tokens, then scatter-add the weighted outputs back to their tokens.
    auto assignment = r.indices.reshape({-1});                                // [N'*K]
    auto order = torch::argsort(assignment, /*stable=*/true, 0);              // [N'*K]
    auto token = torch::div(order, top_k_, "floor");                          // [N'*K] source row of xr
    auto x_sorted = xr.index_select(0, token);                                // [N'*K, C]
    auto w_sorted = r.weights.reshape({-1}).index_select(0, order).to(x.scalar_type()).unsqueeze(1);
    counts = torch::bincount(assignment, {}, n_experts_).cpu();               // [E]
    const auto* n = counts.data_ptr<int64_t>();
    std::vector<torch::Tensor> outs;
    int64_t start = 0;
    for (int64_t e = 0; e < n_experts_; ++e) {
      if (n[e] == 0) continue;
      auto* expert = experts[e]->as<SwiGLUImpl>();
      outs.push_back(expert->forward(x_sorted.narrow(0, start, n[e])) * w_sorted.narrow(0, start, n[e]));
      start += n[e];
    }
    auto routed = torch::zeros_like(xr).index_add(0, token, torch::cat(outs, 0));  // [N', C]
    y = padded ? y.index_add(0, rows, routed) : y + routed;
    if (with_balance_loss) {
      // Sequence of each routed row: row / T of the flattened [B, T].
      auto all_rows = padded ? rows : torch::arange(flat.size(0), torch::dtype(torch::kInt64).device(x.device()));
      balance_loss_ = sequence_balance_loss(r, torch::div(all_rows, x.size(1), "floor"), x.size(0));
    }
  }
  last_load_ = counts;
  if (torch::GradMode::is_enabled()) accumulated_load_ = accumulated_load_ + counts;
  return y.view(x.sizes());
}

torch::Tensor MoEImpl::sequence_balance_loss(const Routing& r, const torch::Tensor& sequence, int64_t batch) const {
  // Per sequence b over its T_b real tokens: f_i = E / (K T_b) * (tokens routed to i); P_i = mean of
  // the score of i normalized over experts. L = alpha * sum_i f_i P_i, averaged over sequences with
  // a real token.
  auto chosen = torch::zeros_like(r.scores).scatter_(1, r.indices, 1.0).detach();           // [N', E]
  auto normed = r.scores / r.scores.sum(-1, /*keepdim=*/true);                              // [N', E]
  auto per_seq = [&](const torch::Tensor& v) {
    return torch::zeros({batch, n_experts_}, v.options()).index_add(0, sequence, v);        // [B, E]
  };
  auto tokens = torch::zeros({batch}, r.scores.options()).index_add(0, sequence, torch::ones_like(sequence, r.scores.options()));
  auto present = tokens > 0;                                                                // [B]
  auto denom = tokens.clamp_min(1.0).unsqueeze(1);                                          // [B, 1] T_b
  auto f = per_seq(chosen) * (double(n_experts_) / double(top_k_)) / denom;
  auto p = per_seq(normed) / denom;
  auto per_sequence = (f * p).sum(-1).masked_select(present);                               // [B']
  return alpha_ * per_sequence.mean();
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

std::vector<MoEImpl*> moe_layers(torch::nn::Module& model) {
  std::vector<MoEImpl*> out;
  for (const auto& m : model.modules())
    if (auto* moe = dynamic_cast<MoEImpl*>(m.get())) out.push_back(moe);
  return out;
}

void update_moe_biases(torch::nn::Module& model, double gamma) {
  for (auto* moe : moe_layers(model)) moe->update_bias(gamma);
}

torch::Tensor moe_balance_loss(torch::nn::Module& model) {
  auto params = model.parameters();
  auto total = torch::zeros({}, params.empty() ? torch::TensorOptions() : torch::TensorOptions().device(params[0].device()));
  for (auto* moe : moe_layers(model)) {
    auto loss = moe->take_balance_loss();
    if (loss.defined()) total = total + loss;
  }
  return total;
}

MoELoadStats moe_load_stats(torch::nn::Module& model, bool latest) {
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
