#include "eval/benchmark.h"

#include "core/error.h"
#include "core/seed.h"
#include "tasks/datasets/benchmarks.h"
#include "tasks/datasets/mcq_task.h"

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
    tasks::DatasetTaskOptions task_opt = opt.task;
    if (opt.match.is_object() && opt.match.contains(name)) {
      check(opt.match[name].is_object(), "match settings of " + name, "must be a JSON object");
      task_opt.match.update(opt.match[name]);
    }
    auto task = tasks::make_dataset_task(name, opt.data_dir, task_opt);
    b.problems = task->problems();
    b.task = std::move(task);
    if (opt.limit > 0 && static_cast<int64_t>(b.problems.size()) > opt.limit) b.problems.resize(opt.limit);
    // Multiple choice: answers are mapped back to the original labels (McqTask::equivalent_answers
    // compares letters), so sample s may show the options in its own seeded order.
    if (tasks::is_mcq_benchmark(name) && opt.shuffle_choices)
      b.sample_view = [](const tasks::Problem& p, int64_t s) {
        const std::string id = p.data.at("id");
        return s == 0 ? p
                      : tasks::shuffled_view(p, derive_seed(fnv1a64(id), "mcq/view", {static_cast<uint64_t>(s)}) | 1);
      };
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

nlohmann::json parse_match_option(const std::string& text, const std::vector<std::string>& names) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error("--match", std::string("not valid JSON: ") + e.what());
  }
  check(j.is_object(), "--match", "must be a JSON object keyed by benchmark name");
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const auto& n : names) known |= n == it.key();
    check(known, "--match key \"" + it.key() + "\"", "is not one of the benchmarks given to --bench");
    check(it.value().is_object(), "--match key \"" + it.key() + "\"",
          "must map to an object such as {\"precision\": 4} or {\"targets\": [\"letters\"]}");
  }
  return j;
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
