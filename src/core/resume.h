// What a training command does with a run directory that already holds a run (its config.json and
// step checkpoints), for `resume` in every training command's config.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace r1 {

enum class ResumeMode {
  kAuto,   // continue from the newest checkpoint when the run's result-affecting config is the same
  kForce,  // continue even when the run directory's config differs in a result-affecting key
  kNever,  // never continue: a run directory that already holds a run is an error
};

// The names the config uses (schema::Kind::kEnum).
inline const std::vector<std::pair<ResumeMode, std::string>>& enum_names(ResumeMode) {
  static const std::vector<std::pair<ResumeMode, std::string>> names = {
      {ResumeMode::kAuto, "auto"}, {ResumeMode::kForce, "force"}, {ResumeMode::kNever, "never"}};
  return names;
}

}  // namespace r1
