// A benchmark as eval runs it: its problems and the task that scores responses (and clusters
// answers for the majority vote: Task::equivalent_answers). Names: the files of tasks/datasets/benchmarks.h (gsm8k, math500,
// aime24, aime25, amc23, minerva, olympiadbench, countdown_cd3, gsm8k_train) and the synthetic
// families of tasks::make_task (running_sum, countdown), whose problems are drawn with a fixed seed.
#pragma once
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
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
  // The problem as sample `s` of it is prompted and scored; null: every sample sees the problem.
  // Multiple-choice benchmarks shuffle the options per sample (mcq_task.h).
  std::function<tasks::Problem(const tasks::Problem&, int64_t sample)> sample_view;
};

struct BenchmarkOptions {
  std::string data_dir;            // where the benchmark files are
  int64_t limit = 0;               // > 0: only the first `limit` problems
  int64_t synthetic_problems = 100;  // problems drawn for a synthetic family when limit is 0
  uint64_t synthetic_seed = 20250122;  // fixed: every run sees the same synthetic problems
  tasks::DatasetTaskOptions task;
  // Verifier settings per benchmark name over each benchmark's own (match_settings.h), e.g.
  // {"math500": {"precision": 4}, "mmlu": {"language": "fr"}}; merged into task.match.
  nlohmann::json match = nlohmann::json::object();
  bool shuffle_choices = true;  // multiple choice: options in a seeded order per sample
};

Benchmark make_benchmark(const std::string& name, const BenchmarkOptions& opt);

// The --match option: a JSON object whose keys are benchmarks of `names` and whose values are
// match-settings objects; an r1::Error naming the key otherwise.
nlohmann::json parse_match_option(const std::string& text, const std::vector<std::string>& names);

// Splits "gsm8k,math500" into names (empty items are an error).
std::vector<std::string> parse_benchmark_list(const std::string& list);

}  // namespace r1::eval
