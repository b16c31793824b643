// ZeRO stage 1: AdamW whose state is split across the ranks. Each rank keeps exp_avg and exp_avg_sq
// (2 x 4 bytes per fp32 parameter, the largest part of training memory after activations) for 1/W of
// the parameters, updates those parameters from the all-reduced gradients, then every parameter is
// broadcast from the rank that owns it -- so every rank ends the step with the same parameters as
// one unsharded AdamW given the same gradients (each parameter's update is the very same AdamW step).
//
// Partition (torch's ZeroRedundancyOptimizer rule): parameters sorted by size, largest first, each
// to the rank holding the fewest elements so far (ties to the lower rank); a deterministic function
// of the shapes, so every rank computes the same one.
//
// Checkpoints: each rank writes its shard as optimizer-0000r-of-0000W.safetensors (r 1-based) with
// the keys of today's optimizer.safetensors ("<param>.exp_avg", "<param>.exp_avg_sq",
// "<param>.step"); load_optimizer_state assembles the shards into that one map, from which a run on
// any world size takes its own parameters.
#pragma once
#include <ATen/core/Tensor.h>
#include <torch/optim/adamw.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dist/runtime.h"
#include "io/safetensors.h"

namespace r1::dist {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// An AdamW's state for `params` under today's optimizer.safetensors keys ("<name>.exp_avg",
// "<name>.exp_avg_sq", "<name>.step"; parameters not stepped yet have none), and back (a parameter
// has all three keys or none; errors name `where` and the parameter). libtorch 1.13 and 2.x key
// optimizer state differently; these two absorb it.
io::TensorMap adamw_state(const torch::optim::AdamW& opt, const NamedTensors& params);
void load_adamw_state(torch::optim::AdamW& opt, const NamedTensors& params, const io::TensorMap& state,
                      const std::string& where);

// Owner rank of each parameter (same order as numels).
std::vector<int> partition_parameters(const std::vector<int64_t>& numels, int world_size);

class ShardedAdamW {
 public:
  // params: the model's named parameters (every rank the same, in the same order).
  ShardedAdamW(Runtime& rt, NamedTensors params, const torch::optim::AdamWOptions& options);

  // AdamW on this rank's parameters (those with a gradient), then every rank receives every update.
  void step();
  void zero_grad();  // every parameter's .grad becomes undefined (set_to_none)
  void set_lr(double lr);

  const std::vector<int>& owners() const { return owner_; }
  int64_t local_numel() const;  // parameters whose state this rank keeps

  // This rank's state under today's optimizer.safetensors keys (parameters not stepped yet have none).
  io::TensorMap shard_state() const;
  // Every rank's state assembled, the same map on every rank (a collective: each owner broadcasts
  // its shard). For a checkpoint rank 0 writes as one optimizer.safetensors; it holds the full state
  // for the moment of the save only.
  io::TensorMap full_state();
  // Takes this rank's parameters' state from an assembled map (any world size wrote it); `where`
  // names the checkpoint in errors, e.g. state for a parameter the model does not have.
  void load_state(const io::TensorMap& full, const std::string& where);
  // Writes dir/optimizer-<rank+1>-of-<W>.safetensors atomically (creating dir).
  void save_shard(const std::string& dir) const;

 private:
  Runtime& rt_;
  NamedTensors params_;
  std::vector<int> owner_;
  std::unique_ptr<torch::optim::AdamW> local_;  // over the owned parameters; null when none are
  std::vector<std::vector<at::Tensor>> owned_by_;  // rank -> its parameters, in model order
  NamedTensors mine_;                               // this rank's, named
};

// "optimizer-00002-of-00004.safetensors" for rank 1 of 4.
std::string optimizer_shard_name(int rank, int world_size);

// dir/optimizer.safetensors when present; else the shards optimizer-*-of-W.safetensors, all W of
// them, with disjoint keys, merged into the same map. Errors name dir and the missing or clashing shard.
io::TensorMap load_optimizer_state(const std::string& dir);

}  // namespace r1::dist
