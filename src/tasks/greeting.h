// Greetings: a general (non-reasoning) task family for R1's last RL stage, where general prompts
// are rewarded by a preference reward model instead of a rule. The prompt asks for a short social
// reply to a person:
//
//   "Greet Ann."  "Thank Bo."  "Welcome Cy."  "Congratulate Dan."  "Say goodbye to Eve."
//
// A good reply follows a hidden rule (check_answer), which a reward model has to learn from
// (chosen, rejected) pairs and evaluation reports as a helpfulness rate:
//   1. it uses a polite phrase of the asked act and none of another act's:
//        greet "Hello" | "Hi"; thank "Thank you" | "Thanks"; welcome "Welcome" | "Welcome back";
//        congratulate "Congratulations" | "Well done"; say goodbye "Goodbye" | "Bye";
//   2. it addresses the person by name and names nobody else (any name of the list below);
//   3. it has no rude word ("ugh", "whatever", "go away", "fool", ...);
//   4. it is short: at most `max_words` words.
// Words are maximal runs of ASCII letters, compared case-insensitively; punctuation is free.
// write_solution writes "{phrase}, {name}!" or "{phrase}, {name}." with one of the act's phrases.
//
// Response format: "<answer>Hello, Ann!</answer>", with no think block whatever `think` asks. R1
// gives simple general queries no chain of thought, and keeping the <answer> tags lets these
// prompts share the R1-Zero prompt template (prompt_template.h), the answer extraction of
// Task::score and one SFT corpus / RL batch with the reasoning families. So score() calls a
// response well formed when it is exactly one answer block (nothing else, no think block): GRPO's
// format term then asks general replies not to think, and reasoning replies to think.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "tasks/task.h"

namespace r1::tasks {

// Config keys, ranges and docs: tasks/task_options.h (add every new field there).
struct GreetingOptions {
  int names = 16;     // prompts draw the person from the first `names` of greeting_names() (2..16)
  int max_words = 6;  // rule 4's limit (>= 3: the longest good reply, "Thank you, Ann!", has 3)
};

// The flaws of write_rejected's replies; each breaks the rule on its own.
enum class RejectKind {
  kWrongName,  // "Hello, Bo!" to Ann
  kNoName,     // "Hello!", "Hello, friend!"
  kWrongAct,   // "Goodbye, Ann!" when asked to greet her
  kRude,       // "Ugh, Ann.", "Hello, Ann, you fool!"
  kVerbose,    // a good reply padded past max_words with small talk
  kOffTopic,   // "The sum is 7."
};
inline constexpr int kNumRejectKinds = 6;
const char* reject_kind_name(RejectKind kind);

// All names the rule knows (rule 2 rejects any of them but the addressed one).
const std::vector<std::string>& greeting_names();

class Greeting : public GeneralTask {
 public:
  explicit Greeting(GreetingOptions o);
  std::string name() const override { return "greeting"; }
  // data: {"act": "greet" | "thank" | "welcome" | "congratulate" | "goodbye", "name": "Ann"};
  // answer: the canonical good reply ("Hello, Ann!").
  Problem sample(Rng& rng) const override;
  // "<answer>{phrase}, {name}{! or .}</answer>"; `think` is ignored (see above).
  std::string write_solution(const Problem& p, bool think, Rng& rng) const override;
  // The hidden rule on the reply text (the inside of the answer block).
  bool check_answer(const Problem& p, std::string_view answer) const override;
  // correct: the rule on the last answer block; well_formed: the response is one answer block.
  Score score(const Problem& p, std::string_view response) const override;
  // A plausible but bad reply in the same format as write_solution, of a kind drawn uniformly.
  std::string write_rejected(const Problem& p, Rng& rng) const override;
  std::string write_rejected(const Problem& p, RejectKind kind, Rng& rng) const;

 private:
  GreetingOptions o_;
};

}  // namespace r1::tasks
