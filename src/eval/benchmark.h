// A benchmark as eval runs it: its problems and the task that scores responses (and clusters
// answers for the majority vote: Task::equivalent_answers). Names: the files of tasks/datasets/benchmarks.h (gsm8k, math500,
// aime24, aime25, amc23, minerva, olympiadbench, countdown_cd3, gsm8k_train) and the synthetic
// families of tasks::make_task (running_sum, countdown), whose problems are drawn with a fixed seed.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "eval/metrics.h"
#include "tasks/datasets/dataset_task.h"
#include "tasks/task.h"

namespace r1::eval {

struct Benchmark {
  std::string name;
  std::shared_ptr<const tasks::Task> task;
  std::vector<tasks::Problem> problems;  // each has data["id"], unique within the benchmark
  bool synthetic = false;                // a make_task family: always prompted in the R1-Zero format
};

struct BenchmarkOptions {
  std::string data_dir;            // where the benchmark files are
  int64_t limit = 0;               // > 0: only the first `limit` problems
  int64_t synthetic_problems = 100;  // problems drawn for a synthetic family when limit is 0
  uint64_t synthetic_seed = 20250122;  // fixed: every run sees the same synthetic problems
  tasks::DatasetTaskOptions task;
};

Benchmark make_benchmark(const std::string& name, const BenchmarkOptions& opt);

// Splits "gsm8k,math500" into names (empty items are an error).
std::vector<std::string> parse_benchmark_list(const std::string& list);

}  // namespace r1::eval
