// Data-parallel gradients, as torch's DistributedDataParallel reducer does them: at construction
// every rank checks it holds the same parameters and takes rank 0's values; after each backward
// every rank holds the all-reduced gradient (mean over ranks by default).
//
// Gradients travel in flat buckets (dist.bucket_mb; the first one 1 MiB, as DDP, so communication
// starts early), filled in reverse parameter order -- roughly the order backward produces them.
// dist.grad_sync = "overlap": an autograd hook on each parameter copies its gradient into its bucket
// as it arrives, and a full bucket's all-reduce is launched at once (buckets strictly in order, so
// every rank issues the same collectives), overlapping communication with the rest of backward.
// "after_backward": the plain path, the same buckets all-reduced once backward has returned.
// Both give bitwise the same gradients (a test holds them equal).
//
// A parameter that got no gradient on any rank keeps .grad undefined (AdamW then skips it, as it
// does in one process); one that got a gradient on some ranks counts zeros on the others.
#pragma once
#include <ATen/core/Tensor.h>

#include <memory>
#include <mutex>
#include <vector>

#include "dist/bucketing.h"
#include "dist/process_group.h"
#include "dist/runtime.h"

namespace r1::dist {

enum class GradSync { overlap, after_backward };
GradSync grad_sync_of(const DistConfig& cfg);  // dist.grad_sync

class GradReducer {
 public:
  // params: the model's parameters in registration order (model->parameters()); those that require
  // grad are reduced. op: mean (each rank's loss is a mean over its share of an evenly split batch)
  // or sum (each rank's loss is already divided by the global normalizer, e.g. DAPO's token count).
  GradReducer(Runtime& rt, std::vector<at::Tensor> params, Reduce op, GradSync sync);
  GradReducer(Runtime& rt, std::vector<at::Tensor> params, Reduce op = Reduce::mean)
      : GradReducer(rt, std::move(params), op, grad_sync_of(rt.config())) {}
  ~GradReducer();  // removes the hooks
  GradReducer(const GradReducer&) = delete;
  GradReducer& operator=(const GradReducer&) = delete;

  // Before the backward pass whose gradients are to be reduced. With gradient accumulation, call it
  // before the last micro-batch's backward only: earlier ones accumulate locally (DDP's no_sync).
  void arm();
  // After that backward: launches the buckets not yet launched, waits for all of them and leaves the
  // reduced gradient in every parameter's .grad.
  void finish();

  size_t num_buckets() const { return buckets_.size(); }
  bool overlapped() const { return overlap_; }
  // Of the last pass: buckets whose all-reduce was launched while backward was still running.
  size_t launched_in_backward() const { return launched_in_backward_; }

 private:
  void on_grad(size_t i, const at::Tensor& grad);   // hook: parameter i's gradient arrived
  void fill_slot(size_t i, const at::Tensor* grad);  // accumulated .grad (+ grad) into the bucket
  void launch_ready();                               // buckets whose members are all in, in order

  Runtime& rt_;
  Reduce op_;
  bool overlap_;
  std::vector<at::Tensor> params_;          // the reduced ones (require grad)
  std::vector<Bucket> buckets_;
  std::vector<at::Tensor> flat_;            // [bucket numel] per bucket
  std::vector<size_t> bucket_of_, slot_of_;  // parameter -> bucket, -> member index in it
  std::vector<Runtime::Async> inflight_;
  std::vector<int64_t> missing_;            // per bucket: members whose gradient has not arrived
  std::vector<uint8_t> arrived_;            // per parameter, this pass
  std::vector<uint8_t> has_grad_;           // per parameter: a gradient arrived on this rank
  std::vector<unsigned> hooks_;
  size_t next_ = 0;                         // next bucket to launch
  size_t launched_in_backward_ = 0;
  bool armed_ = false;
  std::mutex mu_;  // hooks may run on autograd's device threads
};

}  // namespace r1::dist
