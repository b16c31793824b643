// The config schema of distillation's data settings (core/schema.h), as `r1 distill` takes them.
#pragma once
#include "core/schema.h"
#include "rl/distillation.h"
#include "rl/rejection_schema.h"
#include "tasks/datasets/benchmarks.h"
#include "tasks/task_options.h"

namespace r1::rl {

// The task names distillation takes: the synthetic families and the benchmark files.
inline std::vector<std::string> distill_task_names() {
  std::vector<std::string> names = tasks::synthetic_task_names();
  for (const auto& n : tasks::dataset_benchmark_names()) names.push_back(n);
  return names;
}

template <class V>
void visit_fields(V& v, DistillSampling& c) {
  using namespace r1::schema;
  v.field("temperature", c.temperature, "sampling temperature of the teacher", above(0));
  v.field("top_p", c.top_p, "nucleus sampling", open_closed(0, 1));
  v.field("max_new_tokens", c.max_new_tokens, "tokens per teacher response at most", at_least(1));
}

template <class V>
void visit_fields(V& v, DistillDataConfig& c) {
  using namespace r1::schema;
  v.field("tasks", c.tasks,
          "synthetic families and benchmark files (gsm8k_train, math500, ...) the problems come from, in turn",
          kRequired | one_of(distill_task_names()));
  v.field("task_options", c.task_options, "options of each synthetic family");
  v.field("data_dir", c.data_dir, "folder of the benchmark files; \"\" = $R1_DATA_DIR, the installed data, data/");
  v.field("prompts", c.prompts, "problems sampled (taken from the tasks in turn)", at_least(1));
  v.field("k", c.k, "teacher responses per problem", at_least(1));
  v.field("seed", c.seed, "seed of the problems and of the teacher's sampling");
  v.field("batch_prompts", c.batch_prompts, "problems per generate() call (a progress line each)",
          at_least(1) | kNotResult);
  v.field("sampling", c.sampling, "how the teacher samples");
  v.field("filter", c.filter, "what a teacher response must pass to be kept");
}

}  // namespace r1::rl
