#include "tasks/task.h"

#include "core/schema.h"
#include "core/error.h"
#include "rewards/tagged_response.h"
#include "tasks/countdown.h"
#include "tasks/greeting.h"
#include "tasks/running_sum.h"
#include "tasks/task_options.h"

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

namespace {

// Options of type O read from JSON (every key known, every value in range), naming the family.
template <class O>
O read_options(const std::string& name, const nlohmann::json& options) {
  O o;
  const std::string source = "task " + name + " options";
  schema::read_json(o, options, source);
  schema::validate(o);
  return o;
}

}  // namespace

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
  if (name == "running_sum") return std::make_unique<RunningSum>(read_options<RunningSumOptions>(name, options));
  if (name == "countdown") return std::make_unique<Countdown>(read_options<CountdownOptions>(name, options));
  if (name == "greeting") return std::make_unique<Greeting>(read_options<GreetingOptions>(name, options));
  throw Error("task '" + name + "'", "unknown task family (known: running_sum, countdown, greeting)");
}

}  // namespace r1::tasks
