// The optimizer every trainer (pretraining, SFT, GRPO, the reward model) builds the same way: AdamW
// over the model's parameters, its learning rate set from the schedule before each step. Data-parallel
// trainers use train::Optimizer, which is that AdamW or, under dist.zero1 on several ranks, ZeRO-1's
// ShardedAdamW (dist/sharded_adamw.h) -- the same parameters either way.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "io/safetensors.h"

namespace torch::nn {
class Module;
}
namespace torch::optim {
class AdamW;
}
namespace r1::dist {
class Runtime;
class ShardedAdamW;
}  // namespace r1::dist

namespace r1::train {

struct AdamWSettings {
  double lr = 1e-3;  // the initial rate; trainers set each step's with set_learning_rate
  double beta1 = 0.9;
  double beta2 = 0.95;
  double weight_decay = 0.0;
};

// AdamW over every parameter of `model` (a policy, or a reward model with its head).
std::unique_ptr<torch::optim::AdamW> make_adamw(torch::nn::Module& model, const AdamWSettings& s);

// Sets every parameter group's learning rate.
void set_learning_rate(torch::optim::AdamW& opt, double lr);

// AdamW over `model`'s parameters, sharded across the ranks of `rt` (ZeRO-1) when rt is distributed
// and rt->config().zero1; null rt = one process.
class Optimizer {
 public:
  Optimizer(torch::nn::Module& model, const AdamWSettings& s, dist::Runtime* rt = nullptr);
  ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  void set_lr(double lr);
  void zero_grad();
  void step();
  bool sharded() const { return sharded_ != nullptr; }

  // The whole AdamW state under optimizer.safetensors keys ("<param>.exp_avg", "<param>.exp_avg_sq",
  // "<param>.step"; parameters never stepped have none). Sharded: a collective every rank calls,
  // each owner sending its shard.
  io::TensorMap state();
  // Takes its parameters' state from such a map (any world size wrote it); `where` names the file.
  // Every parameter must have state: a checkpoint is written after at least one step.
  void load_state(const io::TensorMap& state, const std::string& where);

 private:
  torch::nn::Module& model_;
  std::unique_ptr<torch::optim::AdamW> plain_;
  std::unique_ptr<dist::ShardedAdamW> sharded_;
};

}  // namespace r1::train
