// Where a decode step's time goes: every ATen operator the engine dispatches, counted and timed
// through RecordFunction callbacks (the hook the PyTorch profiler uses), per decode step of
// engine::generate. bench/README.md quotes these tables.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/causal_lm.h"

namespace r1::bench {

struct OpStat {
  std::string name;        // "aten::addmm"
  double calls = 0;        // per decode step
  double top_calls = 0;    // per decode step, called from r1 code rather than from inside another op
  double self_us = 0;      // per decode step: time inside this op minus the ops it called
};

struct DecodeProfile {
  int64_t batch = 0;
  int64_t context = 0;            // prompt tokens before the profiled steps
  double step_ms = 0;             // one decode step of engine::generate, measured without callbacks
  double profiled_step_ms = 0;    // the same with the callbacks on (their overhead shows here)
  double ops_per_step = 0;        // every dispatched op (nested ones included)
  double top_ops_per_step = 0;    // ops called from r1 code
  double flops_per_step = 0;      // 2 * (non-embedding parameters + head) * batch, the matmul work
  std::vector<OpStat> ops;        // by self time, largest first
};

// Runs generate(batch rows = `batch` prompts x 1 sample, `steps` new tokens) and generate(1 new
// token), and reports their difference per step: the decode steps alone, prefill excluded.
DecodeProfile profile_decode(model::CausalLMImpl& m, int64_t batch, int64_t prompt_len, int64_t steps);

}  // namespace r1::bench
