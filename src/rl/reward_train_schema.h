// The config schema of RewardTrainConfig (core/schema.h): Bradley-Terry reward-model training.
#pragma once
#include "core/schema.h"
#include "rl/reward_model.h"

namespace r1::rl {

template <class V>
void visit_fields(V& v, RewardTrainConfig& c) {
  using namespace r1::schema;
  v.field("steps", c.steps, "optimizer steps", at_least(1));
  v.field("batch_size", c.batch_size, "preference pairs per step", at_least(1));
  v.field("lr", c.lr, "peak AdamW learning rate", open_closed(0, 1));
  v.field("warmup_steps", c.warmup_steps, "steps of linear warmup", at_least(0));
  v.field("min_lr_ratio", c.min_lr_ratio, "the cosine decays to lr x min_lr_ratio", closed(0, 1));
  v.field("weight_decay", c.weight_decay, "AdamW decoupled weight decay", closed(0, 1));
  v.field("grad_clip", c.grad_clip, "clip the gradient's global norm to this; 0 = off", at_least(0));
  v.field("seed", c.seed, "seed of the data order and the head's initialisation");
  v.field("log_every", c.log_every, "steps between progress lines", at_least(1) | schema::kNotResult);
}

}  // namespace r1::rl
