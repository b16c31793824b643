// Evaluation on held-out problems of a task: k samples per problem, pass@1 as the mean correctness
// over all samples (the R1 protocol), cons@k (majority vote over answer-equivalent groups,
// eval/metrics.h), think-rate, mean response length and the share of chains of thought that mix
// languages. With the R1-Zero prompt the response can be forced into thinking or direct answering
// to measure each mode on its own; with a chat template the problems get the R1 chat prompt
// (tasks/prompt_template.h). Samples come from the one rollout path (rollout/scored_rollout.h).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "engine/sampling.h"
#include "tasks/prompt_template.h"
#include "tasks/task.h"
#include "text/text_codec.h"

namespace r1::model {
class CausalLMImpl;
}

namespace r1::eval {

struct TaskEvalConfig {
  int64_t k = 4;                 // samples per problem
  // sampling.seed: problem i's sample j is seeded by (seed, "eval/<task>", i, j).
  engine::SamplingParams sampling{0.6, 0.95, 0, 64, 1234};
  tasks::ResponseMode mode = tasks::ResponseMode::kFree;  // R1-Zero prompts only
  // Set: R1 chat prompts through this template, the response forced to open with "<think>\n"
  // (mode must be kFree). Null: R1-Zero prompts.
  const text::ChatTemplate* chat = nullptr;
  int64_t batch_problems = 32;   // problems per generate() call (memory only: results do not depend on it)
};

struct TaskEvalResult {
  std::string task;
  int64_t problems = 0, k = 0;
  double pass1 = 0;              // mean over problems and samples
  double think_rate = 0;         // share of samples that open with a complete think block
  double response_length = 0;    // mean response tokens (sampled, EOS included, a forced prefix not)
  double format_rate = 0;        // share well-formed in the R1-Zero format
  double cons_at_k = 0;          // share of problems whose majority answer is correct
  double language_mixing = 0;    // share of thinking samples whose CoT has words of two scripts
                                 // (Latin and Han, rewards/language.h)
  std::vector<int64_t> correct;  // per problem: correct samples out of k
};

TaskEvalResult evaluate_task(model::CausalLMImpl& model, const tasks::Task& task,
                             const std::vector<tasks::Problem>& problems, const text::TextCodec& codec,
                             const TaskEvalConfig& cfg);

}  // namespace r1::eval
