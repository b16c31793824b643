// The general (non-reasoning) side of the tiny world for `r1 pipeline`: a general task family
// (tasks::GeneralTask, e.g. greetings) whose good replies follow a hidden rule. It supplies the
// pretraining documents (the prompt with a good reply, or with a bad one — the base model should
// not already be helpful), preference pairs for the reward model, general SFT data, and held-out
// prompts whose replies evaluation checks with the hidden rule.
#pragma once
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "pipeline/r1_pipeline_config.h"
#include "tasks/task.h"

namespace r1::pipeline {

struct PreferenceExample {
  tasks::Problem problem;
  std::string chosen, rejected;  // full responses in the family's format
};

class GeneralData {
 public:
  // The held-out prompts are drawn with a seed of their own.
  GeneralData(const GeneralSettings& cfg, uint64_t seed);

  const tasks::GeneralTask& task() const { return *task_; }
  std::shared_ptr<const tasks::GeneralTask> shared_task() const { return task_; }
  const std::vector<tasks::Problem>& heldout() const { return heldout_; }

  // A prompt that is not held out.
  tasks::Problem sample_train(tasks::Rng& rng) const;
  // "User: …\nAssistant: " + a good reply, or with probability bad_fraction a rejected one.
  std::string document(tasks::Rng& rng) const;
  // A training prompt with a good and a bad reply.
  PreferenceExample preference_pair(tasks::Rng& rng) const;

 private:
  std::shared_ptr<const tasks::GeneralTask> task_;
  double bad_fraction_ = 0.5;
  std::vector<tasks::Problem> heldout_;
  std::unordered_set<std::string> heldout_questions_;
};

}  // namespace r1::pipeline
