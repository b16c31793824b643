// The config schema of SftConfig (core/schema.h), as `r1 sft` takes it.
#pragma once
#include "core/schema.h"
#include "train/sft.h"
#include "train/train_schema.h"

namespace r1::train {

template <class V>
void visit_fields(V& v, SftConfig& c) {
  using namespace r1::schema;
  v.field("epochs", c.epochs, "passes over the data; 0 = run train.steps steps", at_least(0));
  v.field("seed", c.seed, "seed of each epoch's shuffle");
  v.field("train", c.train, "the optimizer and schedule (train.steps applies when epochs is 0)");
}

}  // namespace r1::train
