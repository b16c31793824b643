// Multiple-choice benchmarks in the R1 paper's style (MMLU, MMLU-Pro, GPQA Diamond): a question,
// N options, one gold letter. The prompt is simple-evals' QUERY_TEMPLATE_MULTICHOICE, which the R1
// paper's MMLU/GPQA numbers use ("... The last line of your response should be of the following
// format: 'Answer: $LETTER' ..."); the response is graded by the verifier's letter extraction
// (lighteval's IndicesExtractionConfig, plus \boxed{B}) after its </think>.
//
// cons@k with shuffled options: sample s of a question may show the options in its own seeded
// order (shuffled_view), so a model's preference for a position does not vote; its answer is
// mapped back to the original label before voting. Torch-free.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tasks/datasets/dataset_task.h"

namespace r1::tasks {

// The labels of n options: "A", "B", ... (n <= 26).
std::vector<std::string> choice_letters(size_t n);

// simple-evals' multiple-choice prompt: instruction, question, "A) option" lines.
std::string mcq_prompt(const std::string& question, const std::vector<std::string>& choices);

// A question as a Problem: question = the prompt, answer = the gold letter, data: "stem",
// "choices" (as given), "gold_index", "permutation" (shown position -> original index; identity).
// An r1::Error naming `where` for fewer than 2 or more than 26 choices or a gold out of range.
Problem make_mcq_problem(const std::string& task, const std::string& stem, const std::vector<std::string>& choices,
                         size_t gold_index, const std::string& where);

// The question with its options in the order of a seeded shuffle (seed 0: unchanged): the prompt,
// the gold letter and data["permutation"] follow the new order.
Problem shuffled_view(const Problem& p, uint64_t seed);

class McqTask : public DatasetTask {
 public:
  McqTask(std::string name, std::vector<Problem> problems, DatasetTaskOptions opt = {});
  // "<think>\n…\n</think>\n\nAnswer: B" (think) or the answer line alone.
  std::string write_solution(const Problem& p, bool think, Rng& rng) const override;
  // `answer` (a letter, "(B)", "\boxed{B}", "Answer: B") names the gold option of this view.
  bool check_answer(const Problem& p, std::string_view answer) const override;
  // The verifier with letters (and LaTeX, for \boxed{B}) after the reasoning; answer = the chosen
  // option's original label (the same letter across shuffled views), "" when the response names
  // no option.
  Score score(const Problem& p, std::string_view response) const override;
  // Answers are original labels: equal letters are one vote.
  bool equivalent_answers(std::string_view a, std::string_view b) const override { return a == b; }
};

}  // namespace r1::tasks
