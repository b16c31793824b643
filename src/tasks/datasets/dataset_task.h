// Tasks backed by a benchmark file (benchmarks.h): GRPO samples training problems from the file and
// is rewarded by exactly the rule `r1 eval` measures with, so the RL reward and the eval metric agree.
//
//   MathDatasetTask: score() = the Math-Verify-style verifier (rewards/math/verify.h) on the text
//     after the last </think> against the gold answer: open-r1's reasoning_accuracy_reward rule.
//   CountdownDatasetTask: score() = TinyZero's Countdown rule: the equation must use the given
//     numbers exactly (as a multiset) and evaluate to the target (exact rationals).
// Torch-free.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tasks/countdown.h"
#include "tasks/task.h"

namespace r1::tasks {

struct DatasetTaskOptions {
  // No `think_close` in the response -> no answer (the reasoning never ended; R1 graders give 0).
  // false grades the whole response when it has no think block (plain accuracy_reward).
  bool require_think_close = true;
  std::string think_close = "</think>";
  // The verifier's extraction settings over the benchmark's own (rewards/math/match_settings.h:
  // "targets", "language", "precision", "choices"), e.g. {"language": "zh"}; {} keeps them.
  nlohmann::json match = nlohmann::json::object();
};

// A task whose problems are the records of one benchmark file: finite, drawn uniformly.
class DatasetTask : public Task {
 public:
  DatasetTask(std::string name, std::vector<Problem> problems, DatasetTaskOptions opt);
  std::string name() const override { return name_; }
  // A uniformly drawn problem of the file.
  Problem sample(Rng& rng) const override;
  const std::vector<Problem>& problems() const { return problems_; }

 protected:
  // A complete <think>…</think> opens the response (whitespace before it allowed).
  bool opens_with_think(std::string_view response) const;

  std::string name_;
  std::vector<Problem> problems_;
  DatasetTaskOptions opt_;
};

class MathDatasetTask : public DatasetTask {
 public:
  MathDatasetTask(std::string name, std::vector<Problem> problems, DatasetTaskOptions opt = {});
  // "<think>\n{solution or answer}\n</think>\n\nThe final answer is \boxed{gold}." (think) or just the
  // boxed sentence (direct).
  std::string write_solution(const Problem& p, bool think, Rng& rng) const override;
  // `answer` is a bare answer ("1/2", "\frac12"), compared with the gold by the verifier.
  bool check_answer(const Problem& p, std::string_view answer) const override;
  // correct: the verifier's verdict; answer: the compared extracted answer; thinks: a complete
  // <think>…</think> opens the response; well_formed: thinks and an answer was found after it.
  Score score(const Problem& p, std::string_view response) const override;
  // The verifier's answer equivalence ("0.5" and "\frac12" are the same answer).
  bool equivalent_answers(std::string_view a, std::string_view b) const override;
};

class CountdownDatasetTask : public DatasetTask {
 public:
  CountdownDatasetTask(std::string name, std::vector<Problem> problems, DatasetTaskOptions opt = {});
  // Not available: the file has no solutions (r1::Error).
  std::string write_solution(const Problem& p, bool think, Rng& rng) const override;
  bool check_answer(const Problem& p, std::string_view answer) const override;
  // The answer is the last <answer>…</answer> after the reasoning, else (R1 chat prompts ask for a
  // box) the last \boxed{} after it.
  Score score(const Problem& p, std::string_view response) const override;

 private:
  Countdown rules_{CountdownOptions{}};
};

// The task of a benchmark of benchmarks.h, loaded from data_dir.
std::unique_ptr<DatasetTask> make_dataset_task(const std::string& name, const std::string& data_dir,
                                               const DatasetTaskOptions& opt = {});

}  // namespace r1::tasks
