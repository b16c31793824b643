#include "tasks/task.h"

#include "core/config.h"
#include "core/error.h"
#include "rewards/tagged_response.h"
#include "tasks/countdown.h"
#include "tasks/greeting.h"
#include "tasks/running_sum.h"

namespace r1::tasks {

Score Task::score(const Problem& p, std::string_view response) const {
  auto parsed = rewards::parse_tagged_response(response);
  Score s;
  s.thinks = parsed.thinks;
  s.well_formed = parsed.well_formed;
  if (parsed.answer) {
    s.answer = *parsed.answer;
    s.correct = check_answer(p, s.answer);
  }
  s.reward = s.correct ? 1.0 : 0.0;
  return s;
}

bool Task::equivalent_answers(std::string_view a, std::string_view b) const {
  auto squeeze = [](std::string_view s) {
    std::string out;
    for (char c : s)
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') out += c;
    return out;
  };
  return squeeze(a) == squeeze(b);
}

std::unique_ptr<Task> make_task(const std::string& name, const nlohmann::json& options) {
  if (name == "running_sum") {
    RunningSumOptions o;
    json d{{"terms", o.terms}, {"max_digit", o.max_digit}, {"modulus", o.modulus}, {"words", o.words},
           {"zh_fraction", o.zh_fraction}};
    merge_config(d, options, "task running_sum options", "tasks.running_sum");
    o.terms = d["terms"];
    o.max_digit = d["max_digit"];
    o.modulus = d["modulus"];
    o.words = d["words"];
    o.zh_fraction = d["zh_fraction"];
    check(o.terms >= 2 && o.max_digit >= 1 && o.modulus >= 0, "task running_sum", "needs terms >= 2, max_digit >= 1");
    check(o.zh_fraction >= 0.0 && o.zh_fraction <= 1.0, "task running_sum option zh_fraction",
          "must be in [0, 1] (the probability that a step is written in Chinese)");
    check(o.words || o.zh_fraction == 0.0, "task running_sum option zh_fraction",
          "needs words: true (equation steps have no language)");
    return std::make_unique<RunningSum>(o);
  }
  if (name == "countdown") {
    CountdownOptions o;
    json d{{"numbers", o.numbers}, {"max_number", o.max_number}, {"max_target", o.max_target},
           {"max_failed_tries", o.max_failed_tries}};
    merge_config(d, options, "task countdown options", "tasks.countdown");
    o.numbers = d["numbers"];
    o.max_number = d["max_number"];
    o.max_target = d["max_target"];
    o.max_failed_tries = d["max_failed_tries"];
    check(o.numbers >= 2 && o.numbers <= 6 && o.max_number >= 1 && o.max_target >= 1, "task countdown",
          "needs 2..6 numbers, max_number >= 1, max_target >= 1");
    return std::make_unique<Countdown>(o);
  }
  if (name == "greeting") {
    GreetingOptions o;
    json d{{"names", o.names}, {"max_words", o.max_words}};
    merge_config(d, options, "task greeting options", "tasks.greeting");
    o.names = d["names"];
    o.max_words = d["max_words"];
    return std::make_unique<Greeting>(o);  // validates its options, naming them
  }
  throw Error("task '" + name + "'", "unknown task family (known: running_sum, countdown, greeting)");
}

}  // namespace r1::tasks
