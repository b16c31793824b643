// A verifiable task family: a seeded problem generator, a writer of correct responses (with or
// without a step-by-step <think> trace), and a rule-based verifier. Torch-free.
//
// Responses follow the R1-Zero template: "<think> reasoning </think><answer> answer </answer>";
// a direct response omits the think block.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>

namespace r1::tasks {

using Rng = std::mt19937_64;

struct Problem {
  std::string task;      // the family's name
  std::string question;  // what the user asks
  std::string answer;    // the reference final answer
  nlohmann::json data = nlohmann::json::object();  // family-specific fields (numbers, target, ...)
};

// The verdict on one response.
struct Score {
  bool correct = false;      // the final answer verifies
  bool thinks = false;       // a complete <think>…</think> block opens the response
  bool well_formed = false;  // the family's format: R1-Zero's think block, then answer block
                             // (general families that answer without thinking: see greeting.h)
  std::string answer;        // the extracted final answer ("" when missing)
  // The task's reward for the response in [0, 1]: 1/0 = correct for verifiable tasks; a graded
  // value for learned rewards (rl/preference_task.h). Every rule-based score() sets it to correct.
  double reward = 0.0;
};

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;
  virtual Problem sample(Rng& rng) const = 0;
  // A correct response; `think` adds the step-by-step trace before the answer.
  virtual std::string write_solution(const Problem& p, bool think, Rng& rng) const = 0;
  // Whether `answer` (the text inside <answer>…</answer>) solves the problem. Malformed text is
  // simply wrong, never an exception.
  virtual bool check_answer(const Problem& p, std::string_view answer) const = 0;
  // Scores a whole response. The default reads the R1-Zero tags (answer = last <answer> block);
  // dataset tasks whose answers are \boxed{} override it with the math verifier's extraction.
  virtual Score score(const Problem& p, std::string_view response) const;
  // Whether two extracted answers (Score::answer) say the same thing: the clustering of cons@k's
  // majority vote. The default compares them with whitespace removed; math tasks compare values.
  virtual bool equivalent_answers(std::string_view a, std::string_view b) const;
};

// A general (non-reasoning) family whose good replies follow a rule a reward model has to learn
// from preferences: besides a good reply (write_solution) it writes a plausible but bad one, so a
// pipeline can build (prompt, chosen, rejected) pairs for Bradley–Terry training.
class GeneralTask : public Task {
 public:
  // A reply that check_answer rejects; the kind of flaw is drawn from rng.
  virtual std::string write_rejected(const Problem& p, Rng& rng) const = 0;
};

// Builds a family by name ("running_sum", "countdown", "greeting") from its JSON options; unknown
// names and options are errors that name them.
std::unique_ptr<Task> make_task(const std::string& name, const nlohmann::json& options = nlohmann::json::object());

}  // namespace r1::tasks
