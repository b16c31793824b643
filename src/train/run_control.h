// How a training run checkpoints and resumes: the settings every trainer takes (pretraining, SFT,
// GRPO), filled from each command's config. Torch-free; train/resumable_run.h acts on them and
// train/run_control_schema.h gives their config keys.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/resume.h"

namespace r1::train {

using r1::ResumeMode;
// "auto" | "force" | "never"; anything else is an r1::Error naming config key `resume`.
ResumeMode parse_resume_mode(const std::string& value);
const char* resume_mode_name(ResumeMode mode);

struct RunControl {
  int64_t checkpoint_every = 0;  // steps between step checkpoints (one is always written at the end);
                                 // 0 = only at the end
  int64_t keep = 1;              // newest step checkpoints kept (at least 1)
  ResumeMode resume = ResumeMode::kAuto;
  nlohmann::json fingerprint = nlohmann::json::object();  // the result-affecting config (schema::result_part)
  int64_t max_nonfinite_steps = 3;  // non-finite steps in a row that stop the run (train/step_guard.h)
  int64_t stop_after = 0;  // stop (with a checkpoint) after this many steps of this invocation, as a
                           // kill would but cleanly; 0 = run to the end
};

}  // namespace r1::train
