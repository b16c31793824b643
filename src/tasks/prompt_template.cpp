#include "tasks/prompt_template.h"

namespace r1::tasks {

std::string r1zero_prompt(const Problem& p) { return "User: " + p.question + "\nAssistant: "; }

std::string response_prefix(ResponseMode mode) {
  switch (mode) {
    case ResponseMode::kForceThink: return "<think>";
    case ResponseMode::kForceDirect: return "<answer>";
    default: return "";
  }
}

}  // namespace r1::tasks
