#include "pipeline/general_data.h"

#include "core/error.h"
#include "core/seed.h"
#include "pipeline/world.h"
#include "tasks/prompt_template.h"

namespace r1::pipeline {

using json = nlohmann::json;

GeneralData::GeneralData(const json& cfg, uint64_t seed) : bad_fraction_(cfg.at("bad_fraction")) {
  const std::string name = cfg.at("task");
  std::shared_ptr<tasks::Task> t = tasks::make_task(name, cfg.at("options"));
  task_ = std::dynamic_pointer_cast<const tasks::GeneralTask>(t);
  check(task_ != nullptr, "config key general.task", "'" + name + "' is not a general task family (e.g. greeting)");
  check(bad_fraction_ >= 0 && bad_fraction_ <= 1, "config key general.bad_fraction", "must be in [0, 1]");
  tasks::Rng rng(derive_seed(seed, "general/heldout"));
  heldout_ = distinct_problems(*task_, cfg.at("heldout"), rng);
  for (const auto& p : heldout_) heldout_questions_.insert(p.question);
  // Training must still have prompts of its own.
  tasks::Rng probe(derive_seed(seed, "general/probe"));
  bool trainable = false;
  for (int i = 0; i < 10000 && !trainable; ++i) trainable = !heldout_questions_.count(task_->sample(probe).question);
  check(trainable, "config key general.heldout", "holds out every prompt of " + name + "; lower it");
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

json general_data_defaults() {
  return {{"task", "greeting"}, {"options", json::object()}, {"pretrain_fraction", 0.2},
          {"bad_fraction", 0.6}, {"heldout", 20}};
}

}  // namespace r1::pipeline
