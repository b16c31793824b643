#include "pipeline/general_data.h"

#include "core/error.h"
#include "core/seed.h"
#include "pipeline/world.h"
#include "tasks/greeting.h"
#include "tasks/prompt_template.h"

namespace r1::pipeline {

GeneralData::GeneralData(const GeneralSettings& cfg, uint64_t seed) : bad_fraction_(cfg.bad_fraction) {
  task_ = std::make_shared<const tasks::Greeting>(cfg.options);
  tasks::Rng rng(derive_seed(seed, "general/heldout"));
  heldout_ = distinct_problems(*task_, cfg.heldout, rng);
  for (const auto& p : heldout_) heldout_questions_.insert(p.question);
  // Training must still have prompts of its own.
  tasks::Rng probe(derive_seed(seed, "general/probe"));
  bool trainable = false;
  for (int i = 0; i < 10000 && !trainable; ++i) trainable = !heldout_questions_.count(task_->sample(probe).question);
  check(trainable, "config key general.heldout", "holds out every prompt of " + cfg.task + "; lower it");
}

tasks::Problem GeneralData::sample_train(tasks::Rng& rng) const {
  return sample_excluding(*task_, heldout_questions_, rng);
}

std::string GeneralData::document(tasks::Rng& rng) const {
  auto p = sample_train(rng);
  std::bernoulli_distribution bad(bad_fraction_);
  return tasks::r1zero_prompt(p) + (bad(rng) ? task_->write_rejected(p, rng) : task_->write_solution(p, false, rng));
}

PreferenceExample GeneralData::preference_pair(tasks::Rng& rng) const {
  PreferenceExample e;
  e.problem = sample_train(rng);
  e.chosen = task_->write_solution(e.problem, false, rng);
  e.rejected = task_->write_rejected(e.problem, rng);
  return e;
}

}  // namespace r1::pipeline
