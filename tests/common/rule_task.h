// A task whose verdict is a rule on the whole response text (answer = the response): for tests that
// need rewards they know exactly, whatever the policy samples.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "tasks/task.h"

namespace r1::test {

class RuleTask : public tasks::Task {
 public:
  RuleTask(std::string name, std::function<bool(std::string_view response)> correct)
      : name_(std::move(name)), correct_(std::move(correct)) {}
  std::string name() const override { return name_; }
  tasks::Problem sample(tasks::Rng&) const override { return {name_, "q", ""}; }
  std::string write_solution(const tasks::Problem&, bool, tasks::Rng&) const override { return ""; }
  bool check_answer(const tasks::Problem&, std::string_view a) const override { return correct_(a); }
  tasks::Score score(const tasks::Problem& p, std::string_view response) const override {
    tasks::Score s;
    s.answer = std::string(response);
    s.correct = check_answer(p, response);
    s.reward = s.correct ? 1.0 : 0.0;
    return s;
  }

 private:
  std::string name_;
  std::function<bool(std::string_view)> correct_;
};

}  // namespace r1::test
