// The optimizer every trainer (pretraining, SFT, GRPO, the reward model) builds the same way: AdamW
// over the model's parameters, its learning rate set from the schedule before each step.
#pragma once
#include <memory>

namespace torch::nn {
class Module;
}
namespace torch::optim {
class AdamW;
}

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

}  // namespace r1::train
