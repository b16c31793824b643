#include "tasks/datasets/dataset_task.h"

#include "core/error.h"
#include "rewards/math/match_settings.h"
#include "rewards/math/verify.h"
#include "rewards/tagged_response.h"
#include "tasks/datasets/benchmarks.h"
#include "tasks/datasets/mcq_task.h"

namespace r1::tasks {

namespace m = rewards::math;

namespace {

m::VerifyOptions verify_options(const DatasetTaskOptions& opt, const std::string& task) {
  m::VerifyOptions v;
  v.pred_extract.think_close = opt.think_close;
  v.pred_extract.require_think_close = opt.require_think_close;
  return m::verify_options(m::match_settings_from_json(opt.match, {}, "task " + task + " match settings"), v);
}

}  // namespace

DatasetTask::DatasetTask(std::string name, std::vector<Problem> problems, DatasetTaskOptions opt)
    : name_(std::move(name)), problems_(std::move(problems)), opt_(std::move(opt)) {
  check(!problems_.empty(), "task " + name_, "has no problems");
  (void)m::match_settings_from_json(opt_.match, {}, "task " + name_ + " match settings");  // fail at the start
}

bool DatasetTask::opens_with_think(std::string_view response) const {
  size_t b = response.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return false;
  return response.substr(b, 7) == "<think>" && response.find(opt_.think_close, b + 7) != std::string_view::npos;
}

Problem DatasetTask::sample(Rng& rng) const {
  std::uniform_int_distribution<size_t> pick(0, problems_.size() - 1);
  return problems_[pick(rng)];
}

MathDatasetTask::MathDatasetTask(std::string name, std::vector<Problem> problems, DatasetTaskOptions opt)
    : DatasetTask(std::move(name), std::move(problems), std::move(opt)) {}

std::string MathDatasetTask::write_solution(const Problem& p, bool think, Rng&) const {
  std::string boxed = "The final answer is \\boxed{" + p.answer + "}.";
  if (!think) return boxed;
  std::string reasoning = p.data.contains("solution") ? p.data["solution"].get<std::string>() : p.answer;
  return "<think>\n" + reasoning + "\n" + opt_.think_close + "\n\n" + boxed;
}

bool MathDatasetTask::equivalent_answers(std::string_view a, std::string_view b) const {
  return m::answers_equivalent(a, b);
}

bool MathDatasetTask::check_answer(const Problem& p, std::string_view answer) const {
  m::VerifyOptions o = verify_options(opt_, name_);
  o.pred_extract.require_think_close = false;  // a bare answer has no reasoning to close
  return m::answers_equivalent(p.answer, answer, o);
}

Score MathDatasetTask::score(const Problem& p, std::string_view response) const {
  auto r = m::verify(p.answer, response, verify_options(opt_, name_));
  Score s;
  s.correct = r.correct && r.gold_found;
  s.answer = r.pred;
  s.thinks = opens_with_think(response);
  s.well_formed = s.thinks && !r.pred.empty();
  s.reward = s.correct ? 1.0 : 0.0;
  return s;
}

CountdownDatasetTask::CountdownDatasetTask(std::string name, std::vector<Problem> problems, DatasetTaskOptions opt)
    : DatasetTask(std::move(name), std::move(problems), std::move(opt)) {}

std::string CountdownDatasetTask::write_solution(const Problem&, bool, Rng&) const {
  throw Error("task " + name_, "has no reference solutions (the file holds numbers and targets only)");
}

bool CountdownDatasetTask::check_answer(const Problem& p, std::string_view answer) const {
  return rules_.check_answer(p, answer);
}

Score CountdownDatasetTask::score(const Problem& p, std::string_view response) const {
  Score s;
  s.thinks = opens_with_think(response);
  size_t close = response.rfind(opt_.think_close);
  if (close == std::string_view::npos && opt_.require_think_close && response.find("<think>") != std::string_view::npos)
    return s;  // reasoning that never ended has no answer
  std::string_view region = close == std::string_view::npos ? response : response.substr(close + opt_.think_close.size());
  auto tagged = rewards::parse_tagged_response(region);
  if (tagged.answer) {
    s.answer = *tagged.answer;
  } else {
    s.answer = m::last_boxed(region);
  }
  s.well_formed = s.thinks && !s.answer.empty();
  s.correct = !s.answer.empty() && check_answer(p, s.answer);
  s.reward = s.correct ? 1.0 : 0.0;
  return s;
}

std::unique_ptr<DatasetTask> make_dataset_task(const std::string& name, const std::string& data_dir,
                                               const DatasetTaskOptions& opt) {
  auto problems = load_benchmark(name, data_dir);
  if (is_mcq_benchmark(name)) return std::make_unique<McqTask>(name, std::move(problems), opt);
  if (name == "countdown_cd3") return std::make_unique<CountdownDatasetTask>(name, std::move(problems), opt);
  return std::make_unique<MathDatasetTask>(name, std::move(problems), opt);
}

}  // namespace r1::tasks
