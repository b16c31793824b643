// The prompt the tiny R1-Zero world uses: R1-Zero's "User: … Assistant:" template (R1_SPEC §2),
// shortened so a small model spends its capacity on the task, not on the instructions.
#pragma once
#include <string>

#include "tasks/task.h"

namespace r1::tasks {

// "User: 3+5+2+7 mod 10\nAssistant: "
std::string r1zero_prompt(const Problem& p);

// How a response is started for evaluation: free (the model chooses), or forced into one mode by
// prefilling the first tag, which measures each mode's accuracy separately.
enum class ResponseMode { kFree, kForceThink, kForceDirect };
std::string response_prefix(ResponseMode mode);  // "", "<think>", "<answer>"

}  // namespace r1::tasks
