// dist::Runtime: this process's place in a data-parallel job and the collectives trainers need.
//
// Under torchrun or `r1 launch` (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set) it joins the job:
// rank 0 hosts a c10d TCPStore at MASTER_ADDR:MASTER_PORT (torchrun's agent hosts it instead when
// TORCHELASTIC_USE_AGENT_STORE=True), every rank builds a process group on it (Gloo on CPU, NCCL on
// CUDA) and starts a watchdog (dist/watchdog.h). Without that environment it is a one-process
// runtime that makes no c10d call: every collective returns its input, so trainers call the same
// code on 1 or W ranks.
//
// Every rank must make the same collective calls in the same order. A collective that fails -- a
// peer died, hung past dist.timeout_s, or the job was aborted -- throws r1::Error naming the
// operation, its sequence number and the rank at fault, after publishing that reason so the other
// ranks stop too.
#pragma once
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dist/dist_config.h"
#include "dist/launch_env.h"
#include "dist/process_group.h"

namespace r1::dist {

class Watchdog;

// A contiguous share [begin, end) of n items.
struct Slice {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
};
// Rank r of W takes items [r*n/W, (r+1)*n/W): shares differ by at most one item, and the union over
// ranks, in rank order, is 0..n-1 (a global batch keeps its order).
Slice slice_of(int64_t n, int rank, int world_size);

class Runtime {
 public:
  // Joins the job this process's environment describes (or is the one-process runtime).
  explicit Runtime(const DistConfig& cfg = {});
  Runtime(const LaunchEnv& env, const DistConfig& cfg);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  int local_rank() const { return env_.local_rank; }
  bool distributed() const { return env_.distributed(); }
  // The one predicate trainers ask: rank 0 alone writes metrics, reports and checkpoints and prints
  // progress; every rank still logs its own errors (dist/failure.h).
  bool is_main() const { return env_.rank == 0; }
  const LaunchEnv& env() const { return env_; }
  const DistConfig& config() const { return cfg_; }
  // Where collectives run: CPU for Gloo and the one-process runtime, cuda:LOCAL_RANK for NCCL.
  c10::Device device() const;
  const char* backend_name() const;  // "gloo", "nccl" or "none"
  Slice slice(int64_t n) const { return slice_of(n, rank(), world_size()); }

  // In-place all-reduce of one tensor. mean divides by W before summing (as DDP does), so it needs
  // a floating tensor. `label` names the collective in errors ("dapo token count").
  void all_reduce(at::Tensor& t, Reduce op, const std::string& label = "");
  // The same over many tensors, packed into dist.bucket_mb flat buckets (one collective each).
  void all_reduce_bucketed(std::vector<at::Tensor>& tensors, Reduce op, const std::string& label = "");
  // Small statistics (token counts, metric sums) in one float64 collective.
  std::vector<double> all_reduce_scalars(const std::vector<double>& values, Reduce op, const std::string& label = "");
  double all_reduce_scalar(double value, Reduce op, const std::string& label = "");
  // Rank root's values into every rank's tensors (in place).
  void broadcast(at::Tensor& t, int root, const std::string& label = "");
  void broadcast_bucketed(std::vector<at::Tensor>& tensors, int root, const std::string& label = "");
  // Every rank's t (same shape and dtype on all ranks), in rank order.
  std::vector<at::Tensor> all_gather(const at::Tensor& t, const std::string& label = "");
  void barrier(const std::string& label = "");

  // Asynchronous all-reduce of a contiguous flat buffer (for dist::GradReducer): launched now,
  // finished by wait(). mean pre-divides as above.
  struct Async {
    Pending pending;
    uint64_t seq = 0;
    std::string desc;
  };
  Async all_reduce_async(at::Tensor& flat, Reduce op, const std::string& label);
  void wait(Async& a);

  // Throws r1::Error unless every rank passed the same fingerprint (parameter names and shapes,
  // a config hash): DDP checks its model this way before the first step.
  void check_same_on_all_ranks(const std::string& fingerprint, const std::string& what);

 private:
  template <typename F>
  void run_collective(const char* op, const std::string& label, F&& body);
  uint64_t begin_op(const char* op, const std::string& label, std::string& desc);
  [[noreturn]] void fail(uint64_t seq, const std::string& desc, const CommError& e);
  void check_root(int root, const char* op, const std::string& label) const;
  void join(const DistConfig& cfg);

  LaunchEnv env_;
  DistConfig cfg_;
  bool hosts_store_ = false;
  bool failed_ = false;
  uint64_t seq_ = 0;
  std::shared_ptr<Store> store_;
  std::unique_ptr<Group> group_;
  std::unique_ptr<Watchdog> watchdog_;
};

}  // namespace r1::dist
