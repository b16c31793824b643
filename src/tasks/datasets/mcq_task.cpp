#include "tasks/datasets/mcq_task.h"

#include "core/error.h"
#include "rewards/math/match_settings.h"
#include "rewards/math/verify.h"

namespace r1::tasks {

namespace m = rewards::math;

namespace {

// splitmix64: a fixed generator, so a seed gives the same shuffle with every standard library.
uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::vector<std::string> choices_of(const Problem& p) { return p.data.at("choices").get<std::vector<std::string>>(); }

std::vector<size_t> permutation_of(const Problem& p) { return p.data.at("permutation").get<std::vector<size_t>>(); }

// The verifier settings of a question: its letters (and \boxed{B}) unless the task options say
// otherwise.
m::VerifyOptions verify_options_for(const Problem& p, const DatasetTaskOptions& opt) {
  m::MatchSettings defaults;
  defaults.letters = true;
  defaults.expr = false;
  defaults.choices = static_cast<int>(choices_of(p).size());
  m::VerifyOptions base;
  base.pred_extract.think_close = opt.think_close;
  base.pred_extract.require_think_close = opt.require_think_close;
  return m::verify_options(m::match_settings_from_json(opt.match, defaults, "task " + p.task + " match settings"), base);
}

// The label a verified answer names ("B", "\text{(B)}" parsed as B), "" when it is no label.
std::string label_of(const m::VerifyResult& r, const std::vector<std::string>& labels) {
  std::string parsed = r.pred_parsed;
  if (parsed.size() >= 2 && parsed.front() == '"' && parsed.back() == '"') parsed = parsed.substr(1, parsed.size() - 2);
  for (const auto& l : labels)
    if (parsed == l) return l;
  return "";
}

}  // namespace

std::vector<std::string> choice_letters(size_t n) {
  check(n >= 1 && n <= 26, "multiple-choice question", "needs 1..26 options, not " + std::to_string(n));
  std::vector<std::string> out;
  for (size_t k = 0; k < n; ++k) out.push_back(std::string(1, static_cast<char>('A' + k)));
  return out;
}

std::string mcq_prompt(const std::string& question, const std::vector<std::string>& choices) {
  const auto labels = choice_letters(choices.size());
  std::string letters;
  for (const auto& l : labels) letters += l;
  std::string out =
      "Answer the following multiple choice question. The last line of your response should be of the following "
      "format: 'Answer: $LETTER' (without quotes) where LETTER is one of " +
      letters + ". Think step by step before answering.\n\n" + question + "\n";
  for (size_t k = 0; k < choices.size(); ++k) out += "\n" + labels[k] + ") " + choices[k];
  return out;
}

Problem make_mcq_problem(const std::string& task, const std::string& stem, const std::vector<std::string>& choices,
                         size_t gold_index, const std::string& where) {
  check(choices.size() >= 2 && choices.size() <= 26, where,
        "a multiple-choice question needs 2..26 choices, not " + std::to_string(choices.size()));
  check(gold_index < choices.size(), where,
        "gold answer index " + std::to_string(gold_index) + " is not one of the " + std::to_string(choices.size()) +
            " choices");
  Problem p;
  p.task = task;
  p.question = mcq_prompt(stem, choices);
  p.answer = choice_letters(choices.size())[gold_index];
  p.data["stem"] = stem;
  p.data["choices"] = choices;
  p.data["gold_index"] = gold_index;
  std::vector<size_t> identity(choices.size());
  for (size_t k = 0; k < identity.size(); ++k) identity[k] = k;
  p.data["permutation"] = identity;
  // The prompt carries its own answer-format instruction (eval_prompt.h adds none).
  p.data["instruction"] = "";
  return p;
}

Problem shuffled_view(const Problem& p, uint64_t seed) {
  if (seed == 0) return p;
  std::vector<std::string> choices = choices_of(p);
  std::vector<size_t> perm(choices.size());
  for (size_t k = 0; k < perm.size(); ++k) perm[k] = k;
  uint64_t state = seed;
  for (size_t k = perm.size(); k > 1; --k) std::swap(perm[k - 1], perm[splitmix(state) % k]);
  std::vector<std::string> shown;
  size_t gold = p.data.at("gold_index").get<size_t>(), gold_shown = 0;
  for (size_t k = 0; k < perm.size(); ++k) {
    shown.push_back(choices[perm[k]]);
    if (perm[k] == gold) gold_shown = k;
  }
  Problem v = p;
  v.question = mcq_prompt(p.data.at("stem").get<std::string>(), shown);
  v.answer = choice_letters(shown.size())[gold_shown];
  v.data["permutation"] = perm;
  return v;
}

McqTask::McqTask(std::string name, std::vector<Problem> problems, DatasetTaskOptions opt)
    : DatasetTask(std::move(name), std::move(problems), std::move(opt)) {}

std::string McqTask::write_solution(const Problem& p, bool think, Rng&) const {
  std::string answer = "Answer: " + p.answer;
  if (!think) return answer;
  return "<think>\nThe option that answers the question is " + p.answer + ".\n" + opt_.think_close + "\n\n" + answer;
}

bool McqTask::check_answer(const Problem& p, std::string_view answer) const {
  m::VerifyOptions o = verify_options_for(p, opt_);
  o.pred_extract.only_after_think = false;
  o.pred_extract.require_think_close = false;
  return m::verify(p.answer, answer, o).correct;
}

Score McqTask::score(const Problem& p, std::string_view response) const {
  m::VerifyResult r = m::verify(p.answer, response, verify_options_for(p, opt_));
  const auto labels = choice_letters(choices_of(p).size());
  const auto perm = permutation_of(p);
  Score s;
  s.correct = r.correct && r.gold_found;
  // An answer that names no option is no vote.
  std::string label = label_of(r, labels);
  if (!label.empty()) s.answer = labels[perm[static_cast<size_t>(label[0] - 'A')]];
  s.thinks = opens_with_think(response);
  s.well_formed = s.thinks && !s.answer.empty();
  s.reward = s.correct ? 1.0 : 0.0;
  return s;
}

}  // namespace r1::tasks
