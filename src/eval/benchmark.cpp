#include "eval/benchmark.h"

#include "core/error.h"
#include "tasks/datasets/benchmarks.h"

namespace r1::eval {

namespace {

std::string squeeze(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') out += c;
  return out;
}

}  // namespace

Benchmark make_benchmark(const std::string& name, const BenchmarkOptions& opt) {
  Benchmark b;
  b.name = name;
  if (tasks::is_dataset_benchmark(name)) {
    auto task = tasks::make_dataset_task(name, opt.data_dir, opt.task);
    b.problems = task->problems();
    b.task = std::move(task);
    if (opt.limit > 0 && static_cast<int64_t>(b.problems.size()) > opt.limit) b.problems.resize(opt.limit);
    return b;
  }
  std::unique_ptr<tasks::Task> task;
  try {
    task = tasks::make_task(name);
  } catch (const Error&) {
    std::string known;
    for (const auto& n : tasks::dataset_benchmark_names()) known += n + ", ";
    throw Error("benchmark " + name, "unknown (known: " + known + "running_sum, countdown)");
  }
  b.synthetic = true;
  tasks::Rng rng(opt.synthetic_seed);
  int64_t n = opt.limit > 0 ? opt.limit : opt.synthetic_problems;
  for (int64_t i = 0; i < n; ++i) {
    auto p = task->sample(rng);
    p.data["id"] = name + "/" + std::to_string(i);
    b.problems.push_back(std::move(p));
  }
  b.task = std::move(task);
  return b;
}

std::vector<std::string> parse_benchmark_list(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    std::string item = squeeze(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    check(!item.empty(), "--bench " + list, "empty benchmark name");
    out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace r1::eval
