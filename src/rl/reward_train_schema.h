// The config schema of RewardTrainConfig (core/schema.h): Bradley-Terry reward-model training.
#pragma once
#include "core/schema.h"
#include "rl/reward_model.h"
#include "train/train_schema.h"

namespace r1::rl {

template <class V>
void visit_fields(V& v, RewardTrainConfig& c) {
  using namespace r1::schema;
  v.field("steps", c.steps, "optimizer steps", at_least(1));
  v.field("batch_size", c.batch_size, "preference pairs per step", at_least(1));
  v.field("lr", c.lr, "peak AdamW learning rate", open_closed(0, 1));
  train::visit_schedule_fields(v, c);
  v.field("seed", c.seed, "seed of the data order and the head's initialisation");
  v.field("log_every", c.log_every, "steps between progress lines", at_least(1) | schema::kNotResult);
}

}  // namespace r1::rl
