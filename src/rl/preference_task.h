// A task whose reward is a learned preference model: R1's last RL stage scores general prompts
// (no rule can verify "a helpful reply") with a Bradley–Terry reward model (reward_model.h). It
// wraps the trained model, the general family it was trained on (for sample() / write_solution())
// and the text codec that turns a problem and a response into the ids the model scores.
//
// Reward: σ(RM score − score_offset) in (0, 1). Bradley–Terry models P(y ≻ y') = σ(r(y) − r(y')),
// so this is the modeled probability that the response beats a reference reply scored
// score_offset. The map is monotone (better-scored replies always earn more), bounded like the
// rule rewards (so GRPO's accuracy weight means the same on reasoning and general prompts of a
// mixed batch, and one outlier RM score cannot swamp its group), and it needs no statistics of a
// batch. correct = reward > 0.5, i.e. the response beats the reference. Score offsets are arbitrary
// under Bradley–Terry (only differences are trained); midpoint_offset() calibrates the reference
// to halfway between held-out chosen and rejected replies, so `correct` reads as "on the chosen
// side".
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rl/reward_model.h"
#include "tasks/task.h"

namespace r1::rl {

// How a (problem, response) pair becomes the ids the reward model scores. The prompt part must be
// what rollouts feed the policy (e.g. BOS + encode(r1zero_prompt(p))), so the model scores the
// same context it was trained on and the policy answered.
struct PreferenceCodec {
  std::function<std::vector<int32_t>(const std::string&)> encode;          // text -> ids, no BOS/EOS
  std::function<std::vector<int32_t>(const tasks::Problem&)> encode_prompt;  // the rollout prompt's ids
  int32_t eos_id = -1;  // appended after the response when >= 0 (the policy's stop token)
  int32_t pad_id = 0;   // right padding when scoring batches
};

// encode_prompt(p) + encode(response) (+ EOS): one sequence for the reward model.
std::vector<int32_t> preference_sequence(const PreferenceCodec& codec, const tasks::Problem& p,
                                         std::string_view response);

// `n` pairs on problems sampled from `task`: a good reply (write_solution) against a bad one
// (write_rejected), encoded as preference_sequence does.
std::vector<PreferencePair> make_preference_pairs(const tasks::GeneralTask& task, const PreferenceCodec& codec,
                                                  int64_t n, tasks::Rng& rng);

// (mean chosen score + mean rejected score) / 2 over `pairs` (see the header comment).
double midpoint_offset(RewardModelImpl& rm, const std::vector<PreferencePair>& pairs, int64_t pad_id);

struct PreferenceTaskOptions {
  double score_offset = 0.0;  // subtracted from the RM score before the sigmoid
};

class PreferenceTask : public tasks::Task {
 public:
  // Puts `rm` in eval mode; `general` supplies problems and reference replies.
  PreferenceTask(RewardModel rm, std::shared_ptr<const tasks::Task> general, PreferenceCodec codec,
                 PreferenceTaskOptions opt = {});
  // "<general>_rm": apart from the general family's own name, whose score() is its hidden rule.
  std::string name() const override { return general_->name() + "_rm"; }
  tasks::Problem sample(tasks::Rng& rng) const override { return general_->sample(rng); }
  std::string write_solution(const tasks::Problem& p, bool think, tasks::Rng& rng) const override {
    return general_->write_solution(p, think, rng);
  }
  // The reward model's verdict on the response "<answer>{answer}</answer>" (the format the general
  // families write).
  bool check_answer(const tasks::Problem& p, std::string_view answer) const override;
  // thinks / well_formed / answer from the general family's score(); reward = σ(RM score − offset);
  // correct = reward > 0.5. The family's own `correct` (its hidden rule) is not used.
  tasks::Score score(const tasks::Problem& p, std::string_view response) const override;
  // σ(RM score − offset) of many responses in one batched pass; problems[i] goes with responses[i].
  std::vector<double> rewards(const std::vector<tasks::Problem>& problems,
                              const std::vector<std::string>& responses) const;

 private:
  RewardModel rm_;
  std::shared_ptr<const tasks::Task> general_;
  PreferenceCodec codec_;
  PreferenceTaskOptions opt_;
};

}  // namespace r1::rl
