// The config schema of SftConfig (core/schema.h), as `r1 sft` takes it.
#pragma once
#include "core/resume.h"
#include "core/schema.h"
#include "train/sft.h"
#include "train/train_schema.h"

namespace r1::train {

template <class V>
void visit_fields(V& v, SftConfig& c) {
  using namespace r1::schema;
  v.field("epochs", c.epochs, "passes over the data; 0 = run train.steps steps", at_least(0));
  v.field("seed", c.seed, "seed of each epoch's shuffle");
  v.field("checkpoint_every", c.checkpoint_every, "steps between step checkpoints; 0 = only at the end",
          at_least(0) | kNotResult);
  v.field("keep_checkpoints", c.keep_checkpoints, "newest step checkpoints kept", at_least(1) | kNotResult);
  v.field("stop_after", c.stop_after, "stop (with a checkpoint) after this many steps of this run; 0 = no limit",
          at_least(0) | kNotResult);
  v.field("resume", c.resume,
          "a run directory holding checkpoints: auto continues when data, seed and schedule agree, force continues "
          "anyway, never refuses it",
          kNotResult);
  v.field("train", c.train, "the optimizer and schedule (train.steps applies when epochs is 0)");
}

}  // namespace r1::train
