#include "model/linear.h"

#include <torch/nn/init.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace r1::model {

namespace {
thread_local bool skip_weight_init = false;
}

SkipWeightInit::SkipWeightInit() : previous_(skip_weight_init) { skip_weight_init = true; }
SkipWeightInit::~SkipWeightInit() { skip_weight_init = previous_; }
bool SkipWeightInit::active() { return skip_weight_init; }

DenseLinearImpl::DenseLinearImpl(int64_t in_features, int64_t out_features, bool with_bias)
    : LinearLayer(in_features, out_features) {
  weight = register_parameter("weight", torch::empty({out_features, in_features}));
  if (skip_weight_init) {
    if (with_bias) bias = register_parameter("bias", torch::empty({out_features}));
    return;
  }
  // torch::nn::Linear's initialisation (init_weights() in causal_lm.h overrides it for models).
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (with_bias) {
    const double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
    bias = register_parameter("bias", torch::empty({out_features}));
    torch::nn::init::uniform_(bias, -bound, bound);
  }
}

torch::Tensor DenseLinearImpl::forward(const torch::Tensor& x) { return torch::linear(x, weight, bias); }

std::vector<torch::Tensor> ProjectionGroup::operator()(const torch::Tensor& x) const {
  std::vector<torch::Tensor> out;
  if (fused_ && !torch::GradMode::is_enabled()) {
    std::vector<int64_t> sizes;
    for (auto* slot : members_) sizes.push_back((*slot)->out_features());
    auto y = fused_->forward(x);  // [..., sum of members' out]
    for (auto& part : y.split_with_sizes(sizes, -1)) out.push_back(part);
    return out;
  }
  for (auto* slot : members_) out.push_back((*slot)->forward(x));
  return out;
}

std::vector<LinearPtr> ProjectionGroup::members() const {
  std::vector<LinearPtr> out;
  for (auto* slot : members_) out.push_back(*slot);
  return out;
}

bool ProjectionGroup::has_member(const LinearPtr* slot) const {
  return std::find(members_.begin(), members_.end(), slot) != members_.end();
}

void ProjectionGroup::set_fused(LinearPtr fused) {
  if (fused) {
    int64_t total = 0;
    for (auto* slot : members_) total += (*slot)->out_features();
    check(fused->out_features() == total && fused->in_features() == (*members_.front())->in_features(),
          "projection group " + name_,
          "a fused layer must map in_features " + std::to_string((*members_.front())->in_features()) + " to " +
              std::to_string(total) + " outputs (the members' outputs concatenated), got " +
              std::to_string(fused->in_features()) + " -> " + std::to_string(fused->out_features()));
  }
  fused_ = std::move(fused);
}

void ProjectionOwner::add_projection(const std::string& name, LinearPtr& slot, int64_t in, int64_t out, bool bias,
                                     bool register_now) {
  if (register_now) slot = register_module(name, std::make_shared<DenseLinearImpl>(in, out, bias));
  projections_.push_back({name, &slot});
}

void ProjectionOwner::add_projection_group(ProjectionGroup& group) { groups_.push_back(&group); }

void ProjectionOwner::replace_projection(const std::string& name, LinearPtr layer) {
  for (auto& p : projections_) {
    if (p.name != name) continue;
    check(layer != nullptr, "projection " + name, "replacement is null");
    if (*p.slot)
      check(layer->in_features() == (*p.slot)->in_features() && layer->out_features() == (*p.slot)->out_features(),
            "projection " + name,
            "replacement maps " + std::to_string(layer->in_features()) + " -> " + std::to_string(layer->out_features()) +
                ", the layer it replaces " + std::to_string((*p.slot)->in_features()) + " -> " +
                std::to_string((*p.slot)->out_features()));
    *p.slot = named_children().contains(name) ? replace_module(name, layer) : register_module(name, layer);
    for (auto* g : groups_)
      if (g->has_member(p.slot)) g->set_fused(nullptr);  // its fused weights are the old layer's
    return;
  }
  throw Error("projection " + name, "this module has no projection of that name");
}

int64_t replace_projections(torch::nn::Module& root, const LinearReplacer& make) {
  int64_t replaced = 0;
  for (const auto& item : root.named_modules()) {
    auto* owner = dynamic_cast<ProjectionOwner*>(item.value().get());
    if (!owner) continue;
    const std::string prefix = item.key().empty() ? "" : item.key() + ".";
    for (const auto& p : owner->projections()) {
      if (!*p.slot) continue;  // a declared but empty slot (a tied head) has nothing to replace
      if (auto layer = make(prefix + p.name, **p.slot)) {
        owner->replace_projection(p.name, std::move(layer));
        ++replaced;
      }
    }
  }
  return replaced;
}

void for_each_projection_group(torch::nn::Module& root,
                               const std::function<void(const std::string& owner, ProjectionGroup& group)>& visit) {
  for (const auto& item : root.named_modules())
    if (auto* owner = dynamic_cast<ProjectionOwner*>(item.value().get()))
      for (auto* g : owner->projection_groups()) visit(item.key(), *g);
}

int64_t fuse_projections(torch::nn::Module& root) {
  torch::NoGradGuard no_grad;
  int64_t fused = 0;
  for_each_projection_group(root, [&](const std::string&, ProjectionGroup& g) {
    if (g.fused()) return;
    std::vector<DenseLinearImpl*> dense;
    for (const auto& m : g.members()) {
      auto* d = dynamic_cast<DenseLinearImpl*>(m.get());
      if (d == nullptr) return;  // quantized or other inference layers: not fused here
      dense.push_back(d);
    }
    bool any_bias = false;
    int64_t out = 0;
    for (auto* d : dense) {
      any_bias = any_bias || d->bias.defined();
      out += d->out_features();
    }
    auto layer = std::make_shared<DenseLinearImpl>(dense.front()->in_features(), out, any_bias);
    std::vector<torch::Tensor> w, b;
    for (auto* d : dense) {
      w.push_back(d->weight);
      if (any_bias) b.push_back(d->bias.defined() ? d->bias : torch::zeros({d->out_features()}, d->weight.options()));
    }
    layer->weight.set_data(torch::cat(w));  // [sum out, in], on the members' device and dtype
    if (any_bias) layer->bias.set_data(torch::cat(b));
    // Members read slices of the fused storage from now on (set_data keeps each parameter's identity).
    int64_t offset = 0;
    for (auto* d : dense) {
      d->weight.set_data(layer->weight.narrow(0, offset, d->out_features()));
      if (d->bias.defined()) d->bias.set_data(layer->bias.narrow(0, offset, d->out_features()));
      offset += d->out_features();
    }
    g.set_fused(layer);
    ++fused;
  });
  return fused;
}

int64_t unfuse_projections(torch::nn::Module& root) {
  int64_t n = 0;
  for_each_projection_group(root, [&](const std::string&, ProjectionGroup& g) {
    if (!g.fused()) return;
    g.set_fused(nullptr);
    ++n;
  });
  return n;
}

}  // namespace r1::model
