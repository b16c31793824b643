#include "rl/preference_task.h"

#include <cmath>

#include "core/error.h"

namespace r1::rl {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

std::vector<int32_t> preference_sequence(const PreferenceCodec& codec, const tasks::Problem& p,
                                         std::string_view response) {
  std::vector<int32_t> ids = codec.encode_prompt(p);
  auto body = codec.encode(std::string(response));
  ids.insert(ids.end(), body.begin(), body.end());
  if (codec.eos_id >= 0) ids.push_back(codec.eos_id);
  return ids;
}

std::vector<PreferencePair> make_preference_pairs(const tasks::GeneralTask& task, const PreferenceCodec& codec,
                                                  int64_t n, tasks::Rng& rng) {
  std::vector<PreferencePair> pairs;
  pairs.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    tasks::Problem p = task.sample(rng);
    const std::string chosen = task.write_solution(p, false, rng);
    const std::string rejected = task.write_rejected(p, rng);
    pairs.push_back({preference_sequence(codec, p, chosen), preference_sequence(codec, p, rejected)});
  }
  return pairs;
}

double midpoint_offset(RewardModelImpl& rm, const std::vector<PreferencePair>& pairs, int64_t pad_id) {
  check(!pairs.empty(), "preference task calibration", "needs at least one pair");
  std::vector<std::vector<int32_t>> seqs;
  for (const auto& p : pairs) {
    seqs.push_back(p.chosen);
    seqs.push_back(p.rejected);
  }
  double sum = 0;
  for (double s : score_sequences(rm, seqs, pad_id)) sum += s;
  return sum / seqs.size();  // equal counts of both sides: the mean is the midpoint of the two means
}

PreferenceTask::PreferenceTask(RewardModel rm, std::shared_ptr<const tasks::Task> general, PreferenceCodec codec,
                               PreferenceTaskOptions opt)
    : rm_(std::move(rm)), general_(std::move(general)), codec_(std::move(codec)), opt_(opt) {
  check(!rm_.is_empty(), "preference task", "needs a reward model");
  check(general_ != nullptr, "preference task", "needs the general task it scores");
  check(codec_.encode && codec_.encode_prompt, "preference task codec", "needs encode and encode_prompt");
  check(std::isfinite(opt_.score_offset), "preference task option score_offset", "must be finite");
  rm_->eval();
}

bool PreferenceTask::check_answer(const tasks::Problem& p, std::string_view answer) const {
  return score(p, "<answer>" + std::string(answer) + "</answer>").correct;
}

tasks::Score PreferenceTask::score(const tasks::Problem& p, std::string_view response) const {
  tasks::Score s = general_->score(p, response);
  s.reward = rewards({p}, {std::string(response)}).at(0);
  s.correct = s.reward > 0.5;
  return s;
}

std::vector<double> PreferenceTask::rewards(const std::vector<tasks::Problem>& problems,
                                            const std::vector<std::string>& responses) const {
  check(problems.size() == responses.size(), "preference task rewards",
        "got " + std::to_string(problems.size()) + " problems for " + std::to_string(responses.size()) + " responses");
  std::vector<std::vector<int32_t>> seqs;
  seqs.reserve(problems.size());
  for (size_t i = 0; i < problems.size(); ++i) seqs.push_back(preference_sequence(codec_, problems[i], responses[i]));
  auto out = score_sequences(*rm_.ptr(), seqs, codec_.pad_id);  // ptr(): the holder is const here
  for (double& r : out) r = sigmoid(r - opt_.score_offset);
  return out;
}

}  // namespace r1::rl
