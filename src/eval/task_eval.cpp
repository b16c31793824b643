#include "eval/task_eval.h"

#include "engine/generator.h"
#include "model/causal_lm.h"
#include "tasks/task.h"

namespace r1::eval {

std::vector<int32_t> encode_prompt(const TextCodec& codec, const tasks::Problem& p, tasks::ResponseMode mode) {
  std::vector<int32_t> ids;
  if (codec.bos_id >= 0) ids.push_back(codec.bos_id);
  auto body = codec.encode(tasks::r1zero_prompt(p) + tasks::response_prefix(mode));
  ids.insert(ids.end(), body.begin(), body.end());
  return ids;
}

TaskEvalResult evaluate_task(model::CausalLMImpl& model, const tasks::Task& task,
                             const std::vector<tasks::Problem>& problems, const TextCodec& codec,
                             const TaskEvalConfig& cfg) {
  TaskEvalResult res;
  res.task = task.name();
  res.problems = problems.size();
  res.k = cfg.k;
  const std::string prefix = tasks::response_prefix(cfg.mode);
  const int64_t prefix_tokens = prefix.empty() ? 0 : codec.encode(prefix).size();
  engine::GenerationConfig gen;
  gen.sampling = cfg.sampling;
  gen.stop_token_ids = {codec.eos_id};
  gen.pad_token_id = codec.pad_id;
  int64_t samples = 0;
  for (size_t start = 0; start < problems.size(); start += cfg.batch_problems) {
    size_t end = std::min(problems.size(), start + static_cast<size_t>(cfg.batch_problems));
    std::vector<std::vector<int32_t>> prompts;
    for (size_t i = start; i < end; ++i) prompts.push_back(encode_prompt(codec, problems[i], cfg.mode));
    gen.sampling.seed = cfg.sampling.seed + start;
    auto completions = engine::generate(model, prompts, cfg.k, gen);
    for (size_t i = start; i < end; ++i) res.correct.push_back(0);
    for (const auto& c : completions) {
      std::vector<int32_t> body(c.tokens);
      if (c.stopped && !body.empty()) body.pop_back();
      const auto& p = problems[start + c.prompt_index];
      auto s = task.score(p, prefix + codec.decode(body));
      res.correct[start + c.prompt_index] += s.correct;
      res.pass1 += s.correct;
      res.think_rate += s.thinks;
      res.format_rate += s.well_formed;
      res.response_length += c.tokens.size() + prefix_tokens;
      ++samples;
    }
  }
  if (samples > 0)
    for (double* v : {&res.pass1, &res.think_rate, &res.format_rate, &res.response_length}) *v /= samples;
  return res;
}

}  // namespace r1::eval
