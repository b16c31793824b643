#include "train/optimizer.h"

#include <torch/torch.h>

#include "core/error.h"
#include "dist/runtime.h"
#include "dist/sharded_adamw.h"

namespace r1::train {
namespace {

torch::optim::AdamWOptions adamw_options(const AdamWSettings& s) {
  return torch::optim::AdamWOptions(s.lr).betas({s.beta1, s.beta2}).weight_decay(s.weight_decay);
}

dist::NamedTensors named_parameters(torch::nn::Module& model) {
  dist::NamedTensors out;
  for (const auto& kv : model.named_parameters()) out.emplace_back(kv.key(), kv.value());
  return out;
}

}  // namespace

std::unique_ptr<torch::optim::AdamW> make_adamw(torch::nn::Module& model, const AdamWSettings& s) {
  return std::make_unique<torch::optim::AdamW>(model.parameters(), adamw_options(s));
}

void set_learning_rate(torch::optim::AdamW& opt, double lr) {
  for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

Optimizer::Optimizer(torch::nn::Module& model, const AdamWSettings& s, dist::Runtime* rt) : model_(model) {
  if (rt && rt->distributed() && rt->config().zero1)
    sharded_ = std::make_unique<dist::ShardedAdamW>(*rt, named_parameters(model), adamw_options(s));
  else
    plain_ = make_adamw(model, s);
}

Optimizer::~Optimizer() = default;

void Optimizer::set_lr(double lr) {
  if (sharded_)
    sharded_->set_lr(lr);
  else
    set_learning_rate(*plain_, lr);
}

void Optimizer::zero_grad() {
  if (sharded_)
    sharded_->zero_grad();
  else
    plain_->zero_grad();
}

void Optimizer::step() {
  if (sharded_)
    sharded_->step();
  else
    plain_->step();
}

io::TensorMap Optimizer::state() {
  if (sharded_) return sharded_->full_state();
  return dist::adamw_state(*plain_, named_parameters(model_));
}

void Optimizer::load_state(const io::TensorMap& state, const std::string& where) {
  for (const auto& [name, p] : named_parameters(model_))
    check(state.count(name + ".exp_avg") && state.count(name + ".exp_avg_sq") && state.count(name + ".step"), where,
          "no AdamW state for parameter " + name);
  if (sharded_)
    sharded_->load_state(state, where);
  else
    dist::load_adamw_state(*plain_, named_parameters(model_), state, where);
}

}  // namespace r1::train
