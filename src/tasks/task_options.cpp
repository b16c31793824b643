#include "tasks/task_options.h"

#include "core/error.h"

namespace r1::tasks {

const std::vector<std::string>& synthetic_task_names() {
  static const std::vector<std::string> names = {"running_sum", "countdown"};
  return names;
}

std::unique_ptr<Task> make_synthetic_task(const std::string& name, const TaskOptions& o) {
  if (name == "running_sum") return std::make_unique<RunningSum>(o.running_sum);
  if (name == "countdown") return std::make_unique<Countdown>(o.countdown);
  throw Error("task '" + name + "'", "is not a synthetic family with task_options (known: running_sum, countdown)");
}

}  // namespace r1::tasks
