#include "eval/task_eval.h"

#include "core/error.h"
#include "engine/generator.h"
#include "eval/metrics.h"
#include "model/causal_lm.h"
#include "rewards/language.h"
#include "rewards/tagged_response.h"
#include "tasks/task.h"

namespace r1::eval {

std::vector<int32_t> encode_prompt(const TextCodec& codec, const tasks::Problem& p, tasks::ResponseMode mode) {
  return encode_eval_prompt(codec, r1_zero_prompt(p, mode));
}

TaskEvalResult evaluate_task(model::CausalLMImpl& model, const tasks::Task& task,
                             const std::vector<tasks::Problem>& problems, const TextCodec& codec,
                             const TaskEvalConfig& cfg) {
  TaskEvalResult res;
  res.task = task.name();
  res.problems = problems.size();
  res.k = cfg.k;
  check(!cfg.chat || cfg.mode == tasks::ResponseMode::kFree, "evaluate_task " + task.name(),
        "a forced response mode needs the R1-Zero prompt (the R1 chat prompt already forces \"<think>\\n\")");
  engine::GenerationConfig gen;
  gen.sampling = cfg.sampling;
  gen.stop_token_ids = {codec.eos_id};
  gen.pad_token_id = codec.pad_id;
  int64_t samples = 0, thinking = 0;
  // Per problem, per sample: the extracted answer and its verdict (for the vote).
  std::vector<std::vector<std::string>> answers(problems.size(), std::vector<std::string>(cfg.k));
  std::vector<std::vector<char>> verdicts(problems.size(), std::vector<char>(cfg.k, 0));
  for (size_t start = 0; start < problems.size(); start += cfg.batch_problems) {
    size_t end = std::min(problems.size(), start + static_cast<size_t>(cfg.batch_problems));
    std::vector<EvalPrompt> eps;
    std::vector<std::vector<int32_t>> prompts;
    std::vector<int64_t> prefix_tokens;  // per prompt: the forced prefix, counted in the response length
    for (size_t i = start; i < end; ++i) {
      eps.push_back(cfg.chat ? r1_chat_prompt(*cfg.chat, problems[i]) : r1_zero_prompt(problems[i], cfg.mode));
      prompts.push_back(encode_eval_prompt(codec, eps.back()));
      const std::string& prefix = eps.back().response_prefix;
      prefix_tokens.push_back(prefix.empty() ? 0 : codec.encode(prefix).size());
    }
    gen.sampling.seed = cfg.sampling.seed + start;
    auto completions = engine::generate(model, prompts, cfg.k, gen);
    std::vector<int64_t> sample_of(prompts.size(), 0);
    for (size_t i = start; i < end; ++i) res.correct.push_back(0);
    for (const auto& c : completions) {
      std::vector<int32_t> body(c.tokens);
      if (c.stopped && !body.empty()) body.pop_back();
      const size_t i = start + c.prompt_index;
      const auto& p = problems[i];
      // The forced prefix is part of the scored response and of its length.
      const std::string response = eps[c.prompt_index].response_prefix + codec.decode(body);
      auto s = task.score(p, response);
      const int64_t j = sample_of[c.prompt_index]++;  // completions come grouped by prompt
      answers[i][j] = s.answer;
      verdicts[i][j] = s.correct;
      if (s.thinks) {
        auto words = rewards::count_words(rewards::parse_tagged_response(response).think);
        res.language_mixing += words.latin > 0 && words.han > 0;
        ++thinking;
      }
      res.correct[i] += s.correct;
      res.pass1 += s.correct;
      res.think_rate += s.thinks;
      res.format_rate += s.well_formed;
      res.response_length += c.tokens.size() + prefix_tokens[c.prompt_index];
      ++samples;
    }
  }
  if (samples > 0)
    for (double* v : {&res.pass1, &res.think_rate, &res.format_rate, &res.response_length}) *v /= samples;
  if (thinking > 0) res.language_mixing /= thinking;
  const auto same = [](const std::string& a, const std::string& b) { return a == b; };
  for (size_t i = 0; i < problems.size(); ++i) {
    Vote v = majority_vote(answers[i], same);
    res.cons_at_k += v.winner >= 0 && verdicts[i][v.winner];
  }
  if (!problems.empty()) res.cons_at_k /= problems.size();
  return res;
}

}  // namespace r1::eval
