#include "eval/task_eval.h"

#include "core/error.h"
#include "eval/metrics.h"
#include "rewards/language.h"
#include "rollout/scored_rollout.h"

namespace r1::eval {

TaskEvalResult evaluate_task(model::CausalLMImpl& model, const tasks::Task& task,
                             const std::vector<tasks::Problem>& problems, const text::TextCodec& codec,
                             const TaskEvalConfig& cfg) {
  TaskEvalResult res;
  res.task = task.name();
  res.problems = problems.size();
  res.k = cfg.k;
  check(!cfg.chat || cfg.mode == tasks::ResponseMode::kFree, "evaluate_task " + task.name(),
        "a forced response mode needs the R1-Zero prompt (the R1 chat prompt already forces \"<think>\\n\")");
  std::vector<rollout::RolloutPrompt> prompts;
  for (size_t i = 0; i < problems.size(); ++i) {
    const tasks::Prompt p = cfg.chat ? tasks::r1_chat_prompt(*cfg.chat, problems[i]) : tasks::r1_zero_prompt(problems[i], cfg.mode);
    prompts.push_back({tasks::encode_prompt(codec, p), p.response_prefix, problems[i], &task, i});
  }
  rollout::RolloutConfig rc;
  rc.sampling = cfg.sampling;
  rc.stream = "eval/" + task.name();
  rc.samples_per_prompt = cfg.k;
  rc.prompts_per_call = cfg.batch_problems;
  rc.eos_id = codec.eos_id;
  rc.pad_id = codec.pad_id;
  const auto samples = rollout::rollout_and_score(model, prompts, codec.decode, rc);

  res.correct.assign(problems.size(), 0);
  std::vector<std::vector<std::string>> answers(problems.size());
  std::vector<std::vector<bool>> verdicts(problems.size());
  int64_t thinking = 0;
  for (const auto& s : samples) {
    answers[s.prompt].push_back(s.score.answer);
    verdicts[s.prompt].push_back(s.score.correct);
    if (s.score.thinks) {
      auto words = rewards::count_words(rewards::chain_of_thought(s.response));
      res.language_mixing += words.latin > 0 && words.han > 0;
      ++thinking;
    }
    res.correct[s.prompt] += s.score.correct;
    res.pass1 += s.score.correct;
    res.think_rate += s.score.thinks;
    res.format_rate += s.score.well_formed;
    res.response_length += s.response_tokens();
  }
  if (!samples.empty())
    for (double* v : {&res.pass1, &res.think_rate, &res.format_rate, &res.response_length}) *v /= samples.size();
  if (thinking > 0) res.language_mixing /= thinking;
  const Equivalent same = [&task](const std::string& a, const std::string& b) { return task.equivalent_answers(a, b); };
  for (size_t i = 0; i < problems.size(); ++i) res.cons_at_k += cons_at_k(answers[i], verdicts[i], same);
  if (!problems.empty()) res.cons_at_k /= problems.size();
  return res;
}

}  // namespace r1::eval
