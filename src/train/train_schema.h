// The config schema of LmTrainConfig (core/schema.h): the optimizer and schedule of the LM trainer.
#pragma once
#include "core/schema.h"
#include "train/lm_trainer.h"

namespace r1::train {

// The cosine schedule's keys after lr, declared once for every trainer config that has them
// (LmTrainConfig, rl::RewardTrainConfig: structs with these four members).
template <class V, class C>
void visit_schedule_fields(V& v, C& c) {
  using namespace r1::schema;
  v.field("warmup_steps", c.warmup_steps, "steps of linear warmup", at_least(0));
  v.field("min_lr_ratio", c.min_lr_ratio, "the cosine decays to lr x min_lr_ratio", closed(0, 1));
  v.field("weight_decay", c.weight_decay, "AdamW decoupled weight decay", closed(0, 1));
  v.field("grad_clip", c.grad_clip, "clip the gradient's global norm to this; 0 = off", at_least(0));
}

template <class V>
void visit_fields(V& v, LmTrainConfig& c) {
  using namespace r1::schema;
  v.field("steps", c.steps, "optimizer steps", at_least(1));
  v.field("batch_size", c.batch_size, "examples per optimizer step", at_least(1));
  v.field("micro_batch_size", c.micro_batch_size, "examples per forward pass (gradient accumulation); 0 = the whole batch",
          at_least(0));
  v.field("lr", c.lr, "peak AdamW learning rate (warmup, then cosine decay)", open_closed(0, 1));
  visit_schedule_fields(v, c);
  v.field("adam_beta1", c.adam_beta1, "AdamW beta1", closed_open(0, 1));
  v.field("adam_beta2", c.adam_beta2, "AdamW beta2", closed_open(0, 1));
  v.field("log_every", c.log_every, "steps between progress lines", at_least(1) | kNotResult);
  v.require(c.micro_batch_size <= c.batch_size, "micro_batch_size", "must be at most batch_size");
}

}  // namespace r1::train
