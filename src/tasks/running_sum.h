// Running sums: "3+5+2+7 mod 10". The think trace keeps a running total one step at a time
// ("3+5=8 8+2=0 0+7=7"), which a small model can do reliably; answering directly needs the whole
// sum in one forward pass, which it mostly can't. Difficulty: number of terms, digit range, modulus.
//
// With `words`, each step of the trace opens with a connective of a language, so the chain of
// thought has words and R1's language-consistency reward (rewards/language.h) has something to
// measure, while the arithmetic keeps the equation form a small model learns fastest:
//   English "first 3+5=8 then 8+2=0 then 0+7=7"   Chinese "首先 3+5=8 然后 8+2=0 然后 0+7=7"
// (a first try with whole sentences, "3 plus 5 is 8.", left a 0.8M-parameter model unable to add
// after 1500 pretraining steps). `zh_fraction` writes each step in Chinese independently with that
// probability, so one chain of thought can switch language mid-way, the readability problem
// R1-Zero showed.
#pragma once
#include "tasks/task.h"

namespace r1::tasks {

// Config keys, ranges and docs: tasks/task_options.h (add every new field there).
struct RunningSumOptions {
  int terms = 4;
  int max_digit = 9;         // terms are drawn from 0..max_digit
  int modulus = 10;          // 0 = plain sums
  bool words = false;        // steps open with a connective ("then 8+2=0") instead of bare equations
  double zh_fraction = 0.0;  // with words: probability that a step is written in Chinese, in [0, 1]
};

class RunningSum : public Task {
 public:
  explicit RunningSum(RunningSumOptions o) : o_(o) {}
  std::string name() const override { return "running_sum"; }
  Problem sample(Rng& rng) const override;
  // Draws from `rng` only with words and 0 < zh_fraction < 1 (one draw per step), so the equation
  // form and the single-language forms leave a caller's random stream as it was.
  std::string write_solution(const Problem& p, bool think, Rng& rng) const override;
  bool check_answer(const Problem& p, std::string_view answer) const override;

 private:
  RunningSumOptions o_;
};

}  // namespace r1::tasks
