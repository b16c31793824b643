// Running sums: "3+5+2+7 mod 10". The think trace keeps a running total one step at a time
// ("3+5=8 8+2=0 0+7=7"), which a small model can do reliably; answering directly needs the whole
// sum in one forward pass, which it mostly can't. Difficulty: number of terms, digit range, modulus.
#pragma once
#include "tasks/task.h"

namespace r1::tasks {

struct RunningSumOptions {
  int terms = 4;
  int max_digit = 9;   // terms are drawn from 0..max_digit
  int modulus = 10;    // 0 = plain sums
};

class RunningSum : public Task {
 public:
  explicit RunningSum(RunningSumOptions o) : o_(o) {}
  std::string name() const override { return "running_sum"; }
  Problem sample(Rng& rng) const override;
  std::string write_solution(const Problem& p, bool think, Rng& rng) const override;
  bool check_answer(const Problem& p, std::string_view answer) const override;

 private:
  RunningSumOptions o_;
};

}  // namespace r1::tasks
