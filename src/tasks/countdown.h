// Countdown: reach a target from a few numbers with + - * / (each number used exactly once), as in
// TinyZero. The think trace is a search: it tries combinations, checks each result against the
// target ("... no") and stops at one that works ("... yes"); answering directly means guessing the
// equation at once. The verifier parses and evaluates the equation exactly (rationals).
#pragma once
#include "tasks/task.h"

namespace r1::tasks {

// Config keys, ranges and docs: tasks/task_options.h (add every new field there).
struct CountdownOptions {
  int numbers = 3;          // operands per problem
  int max_number = 9;       // operands drawn from 1..max_number
  int max_target = 99;      // targets drawn from reachable values in 1..max_target
  int max_failed_tries = 2; // the trace shows up to this many failed attempts before the solution
};

class Countdown : public Task {
 public:
  explicit Countdown(CountdownOptions o) : o_(o) {}
  std::string name() const override { return "countdown"; }
  Problem sample(Rng& rng) const override;
  std::string write_solution(const Problem& p, bool think, Rng& rng) const override;
  bool check_answer(const Problem& p, std::string_view answer) const override;

 private:
  CountdownOptions o_;
};

// Evaluates an arithmetic expression over integers with + - * / and parentheses, exactly.
// Returns false on malformed input or division by zero; `numbers` receives the literals used.
bool evaluate_equation(std::string_view expr, long long& num, long long& den, std::vector<long long>& numbers);

}  // namespace r1::tasks
