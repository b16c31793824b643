// Evaluation on held-out problems of a synthetic task family: k samples per problem, pass@1 as the
// mean correctness over all samples (the R1 protocol), cons@k (majority vote over the k extracted
// answers), think-rate, mean response length and the share of chains of thought that mix languages;
// the response can be forced into thinking or direct answering to measure each mode on its own.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "engine/sampling.h"
#include "tasks/prompt_template.h"
#include "tasks/task.h"

namespace r1::model {
class CausalLMImpl;
}

namespace r1::eval {

struct TaskEvalConfig {
  int64_t k = 4;                 // samples per problem
  engine::SamplingParams sampling{0.6, 0.95, 0, 64, 1234};
  tasks::ResponseMode mode = tasks::ResponseMode::kFree;
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

struct TextCodec {
  std::function<std::vector<int32_t>(const std::string&)> encode;  // text -> ids (no BOS)
  std::function<std::string(const std::vector<int32_t>&)> decode;
  int32_t bos_id = -1, eos_id = -1, pad_id = 0;
};

TaskEvalResult evaluate_task(model::CausalLMImpl& model, const tasks::Task& task,
                             const std::vector<tasks::Problem>& problems, const TextCodec& codec,
                             const TaskEvalConfig& cfg);

// The R1-Zero prompt of a problem as ids: BOS + template + the mode's forced prefix.
std::vector<int32_t> encode_prompt(const TextCodec& codec, const tasks::Problem& p, tasks::ResponseMode mode);

}  // namespace r1::eval
