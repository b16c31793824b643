#include "train/data_parallel.h"

#include <torch/torch.h>

#include "model/moe.h"

namespace r1::train {

dist::Runtime& runtime_or_solo(dist::Runtime* rt) {
  static dist::Runtime solo(dist::LaunchEnv{}, dist::DistConfig{});
  return rt ? *rt : solo;
}

void all_reduce_moe_loads(dist::Runtime& rt, torch::nn::Module& model) {
  if (!rt.distributed()) return;
  for (auto* moe : model::moe_layers(model)) {
    torch::Tensor load = moe->accumulated_load();  // [E] int64, shares the layer's storage
    rt.all_reduce(load, dist::Reduce::sum, "MoE expert loads");
  }
}

}  // namespace r1::train
