// The config keys of RunControl (core/schema.h), flat in a training command's config: --checkpoint_every,
// --keep_checkpoints, --resume, --stop_after, --max_nonfinite_steps. None changes what a run computes
// (kNotResult), so a run directory may be resumed under other values; the fingerprint is not a key.
#pragma once
#include "core/schema.h"
#include "train/run_control.h"

namespace r1::train {

template <class V>
void visit_run_control_fields(V& v, RunControl& c) {
  using namespace r1::schema;
  v.field("checkpoint_every", c.checkpoint_every, "steps between step checkpoints; 0 = only at the end",
          at_least(0) | kNotResult);
  v.field("keep_checkpoints", c.keep, "newest step checkpoints kept", at_least(1) | kNotResult);
  v.field("resume", c.resume,
          "a run directory holding checkpoints: auto continues when its result-affecting config agrees, force "
          "continues anyway, never refuses it",
          kNotResult);
  v.field("stop_after", c.stop_after, "stop (with a checkpoint) after this many steps of this invocation; 0 = no limit",
          at_least(0) | kNotResult);
  v.field("max_nonfinite_steps", c.max_nonfinite_steps, "non-finite steps in a row that stop the run",
          at_least(1) | kNotResult);
}

}  // namespace r1::train
