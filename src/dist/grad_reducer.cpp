#include "dist/grad_reducer.h"

#include <algorithm>
#include <sstream>

#include "core/error.h"

namespace r1::dist {
namespace {

constexpr int64_t kFirstBucketBytes = 1 << 20;  // DDP's _DEFAULT_FIRST_BUCKET_BYTES

std::string fingerprint(const std::vector<at::Tensor>& params) {
  std::ostringstream o;
  for (const auto& p : params) o << c10::toString(p.scalar_type()) << p.sizes() << p.requires_grad() << ";";
  return o.str();
}

}  // namespace

GradSync grad_sync_of(const DistConfig& cfg) {
  return cfg.grad_sync == "after_backward" ? GradSync::after_backward : GradSync::overlap;
}

GradReducer::GradReducer(Runtime& rt, std::vector<at::Tensor> params, Reduce op, GradSync sync)
    : rt_(rt), op_(op), overlap_(sync == GradSync::overlap) {
  check(op == Reduce::mean || op == Reduce::sum, "GradReducer", "reduces gradients by mean or sum only");
  if (!rt_.distributed()) return;
  rt_.check_same_on_all_ranks(fingerprint(params), "the model's parameters (dtypes and shapes)");
  rt_.broadcast_bucketed(params, 0, "rank 0's parameters");
  for (auto& p : params)
    if (p.requires_grad()) params_.push_back(p);
  buckets_ = make_buckets(params_, reverse_order(params_.size()), rt_.config().bucket_bytes(),
                          std::min(kFirstBucketBytes, rt_.config().bucket_bytes()));
  bucket_of_.resize(params_.size());
  slot_of_.resize(params_.size());
  for (size_t b = 0; b < buckets_.size(); ++b) {
    for (size_t k = 0; k < buckets_[b].members.size(); ++k) {
      bucket_of_[buckets_[b].members[k]] = b;
      slot_of_[buckets_[b].members[k]] = k;
    }
    const at::Tensor& first = params_[buckets_[b].members.front()];
    flat_.push_back(at::zeros({buckets_[b].numel}, first.options().device(rt_.device()).requires_grad(false)));
  }
  arrived_.assign(params_.size(), 0);
  has_grad_.assign(params_.size(), 0);
  missing_.resize(buckets_.size());
  for (size_t b = 0; b < buckets_.size(); ++b) missing_[b] = static_cast<int64_t>(buckets_[b].members.size());
  if (overlap_)
    for (size_t i = 0; i < params_.size(); ++i)
      hooks_.push_back(params_[i].register_hook([this, i](const at::Tensor& grad) { on_grad(i, grad); }));
}

GradReducer::~GradReducer() {
  for (size_t i = 0; i < hooks_.size(); ++i) params_[i].remove_hook(hooks_[i]);
}

void GradReducer::arm() {
  if (!rt_.distributed()) return;
  std::lock_guard<std::mutex> lock(mu_);
  check(!armed_, "GradReducer::arm", "called twice without finish() in between");
  armed_ = true;
  launched_in_backward_ = 0;
}

void GradReducer::fill_slot(size_t i, const at::Tensor* grad) {
  const Bucket& b = buckets_[bucket_of_[i]];
  const size_t k = slot_of_[i];
  at::Tensor slot = flat_[bucket_of_[i]].narrow(0, b.offset[k], params_[i].numel());  // [numel]
  const at::Tensor& acc = params_[i].grad();  // earlier micro-batches, accumulated locally
  torch::NoGradGuard no_grad;
  // The same sum AccumulateGrad forms next, so both paths see identical bits.
  if (grad && acc.defined())
    slot.copy_((acc + *grad).reshape({-1}));
  else if (grad)
    slot.copy_(grad->reshape({-1}));
  else if (acc.defined())
    slot.copy_(acc.reshape({-1}));
  else
    slot.zero_();
  has_grad_[i] = grad != nullptr || acc.defined();
  arrived_[i] = 1;
  --missing_[bucket_of_[i]];
}

void GradReducer::launch_ready() {
  while (next_ < buckets_.size() && missing_[next_] == 0) {
    inflight_.push_back(rt_.all_reduce_async(
        flat_[next_], op_, "gradients, bucket " + std::to_string(next_ + 1) + "/" + std::to_string(buckets_.size())));
    ++next_;
  }
}

void GradReducer::on_grad(size_t i, const at::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!armed_ || arrived_[i]) return;
  fill_slot(i, &grad);
  const size_t before = next_;
  launch_ready();
  launched_in_backward_ += next_ - before;
}

void GradReducer::finish() {
  if (!rt_.distributed()) return;
  std::lock_guard<std::mutex> lock(mu_);
  check(armed_ || !overlap_, "GradReducer::finish", "arm() was not called before this backward pass");
  // Parameters that got no gradient in this pass, and on the plain path every parameter.
  for (size_t i = 0; i < params_.size(); ++i)
    if (!arrived_[i]) fill_slot(i, nullptr);
  launch_ready();
  // Which parameters got a gradient on some rank: the others stay undefined everywhere.
  at::Tensor used = torch::tensor(std::vector<int64_t>(has_grad_.begin(), has_grad_.end()), torch::kInt64);
  rt_.all_reduce(used, Reduce::max, "which parameters got gradients");
  for (auto& a : inflight_) rt_.wait(a);
  torch::NoGradGuard no_grad;
  const auto* used_any = used.data_ptr<int64_t>();
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!used_any[i]) continue;
    at::Tensor& p = params_[i];
    const Bucket& b = buckets_[bucket_of_[i]];
    at::Tensor reduced = flat_[bucket_of_[i]].narrow(0, b.offset[slot_of_[i]], p.numel()).view(p.sizes());
    if (p.grad().defined())
      p.mutable_grad().copy_(reduced);
    else
      p.mutable_grad() = reduced.to(p.device()).clone();
  }
  inflight_.clear();
  std::fill(arrived_.begin(), arrived_.end(), 0);
  std::fill(has_grad_.begin(), has_grad_.end(), 0);
  for (size_t b = 0; b < buckets_.size(); ++b) missing_[b] = static_cast<int64_t>(buckets_[b].members.size());
  next_ = 0;
  armed_ = false;
}

}  // namespace r1::dist
