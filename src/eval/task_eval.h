// Evaluation on held-out problems of a task: k samples per problem, pass@1 as the mean correctness
// over all samples (the R1 protocol), cons@k (majority vote over the k extracted answers),
// think-rate, mean response length and the share of chains of thought that mix languages. With the
// R1-Zero prompt the response can be forced into thinking or direct answering to measure each mode
// on its own; with a chat template the problems get the R1 chat prompt (eval_prompt.h).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "engine/sampling.h"
#include "eval/eval_prompt.h"
#include "eval/text_codec.h"
#include "tasks/prompt_template.h"
#include "tasks/task.h"

namespace r1::model {
class CausalLMImpl;
}

namespace r1::eval {

struct TaskEvalConfig {
  int64_t k = 4;                 // samples per problem
  engine::SamplingParams sampling{0.6, 0.95, 0, 64, 1234};
  tasks::ResponseMode mode = tasks::ResponseMode::kFree;  // R1-Zero prompts only
  // Set: R1 chat prompts through this template, the response forced to open with "<think>\n"
  // (mode must be kFree). Null: R1-Zero prompts.
  const text::ChatTemplate* chat = nullptr;
  int64_t batch_problems = 32;   // problems per generate() call
};

struct TaskEvalResult {
  std::string task;
  int64_t problems = 0, k = 0;
  double pass1 = 0;              // mean over problems and samples
  double think_rate = 0;         // share of samples that open with a complete think block
  double response_length = 0;    // mean tokens per response (including a forced prefix tag)
  double format_rate = 0;        // share well-formed in the R1-Zero format
  double cons_at_k = 0;          // share of problems whose majority answer (identical strings vote
                                 // together; ties to the first) is correct
  double language_mixing = 0;    // share of thinking samples whose CoT has words of two scripts
                                 // (Latin and Han, rewards/language.h)
  std::vector<int64_t> correct;  // per problem: correct samples out of k
};

TaskEvalResult evaluate_task(model::CausalLMImpl& model, const tasks::Task& task,
                             const std::vector<tasks::Problem>& problems, const TextCodec& codec,
                             const TaskEvalConfig& cfg);

// The R1-Zero prompt of a problem as ids: BOS + template + the mode's forced prefix
// (encode_eval_prompt of r1_zero_prompt).
std::vector<int32_t> encode_prompt(const TextCodec& codec, const tasks::Problem& p, tasks::ResponseMode mode);

}  // namespace r1::eval
