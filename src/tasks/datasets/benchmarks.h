// Evaluation benchmarks as lists of Problems, read from the JSONL files the project ships in data/
// (formats and provenance: data/SOURCES.md; where they are looked for: core/data_dir.h). Torch-free.
//
// Every Problem has task = the benchmark name, question = the bare problem text (no instruction:
// the eval prompt adds R1's "Please reason step by step..." line itself, so every benchmark gets
// the same instruction), answer = the gold answer as text, data["id"] = a stable id ("gsm8k/17"),
// plus data["solution"] when the file has a worked solution.
//
//   name           file                                   gold answer
//   gsm8k          gsm8k_test.jsonl                       text after "#### ", commas removed
//   gsm8k_train    gsm8k_train.jsonl                      same (for GRPO on GSM8K)
//   math500        math500_test.jsonl                     `answer`
//   aime24, aime25 qwq_aime24.jsonl / qwq_aime25.jsonl    `answer` (int); the instruction the QwQ
//                                                         prompt ends with is stripped
//   amc23          qwen25math_amc23_test.jsonl            `answer` (float; 27.0 -> "27")
//   minerva        qwen25math_minerva_math_test.jsonl     last \boxed{} of `solution`
//   olympiadbench  qwen25math_olympiadbench_test.jsonl    final_answer[0] (one string; for
//                                                         is_multiple_answer it lists them, "$69$,$84$")
//   countdown_cd3  countdown_cd3_test.jsonl               the target; data: numbers, target
//   mcq_sample     mcq_sample_test.jsonl                  the gold letter: multiple choice (mcq_task.h)
//   mmlu           mmlu_test.jsonl                        same, when the file is provided
//   gpqa_diamond   gpqa_diamond.jsonl                     same, when the file is provided
// A multiple-choice file holds {"question", "choices": [N strings], "answer": "B" or 1 (0-based
// index)}; Problem.question is then the full simple-evals prompt with the options.
#pragma once
#include <string>
#include <vector>

#include "tasks/task.h"

namespace r1::tasks {

// The benchmark names above, in that order.
const std::vector<std::string>& dataset_benchmark_names();
bool is_dataset_benchmark(const std::string& name);
// A multiple-choice benchmark (graded by letter, options shuffled per sample for cons@k).
bool is_mcq_benchmark(const std::string& name);

// The file name a benchmark reads ("math500_test.jsonl").
std::string benchmark_file(const std::string& name);

// The path of that file: under data_dir when given (only there), else in the first data folder of
// core/data_dir.h that holds it; an r1::Error listing the folders looked in when none does.
std::string benchmark_path(const std::string& name, const std::string& data_dir);

// Reads a benchmark (data_dir as in benchmark_path). A line that is not JSON or lacks a field is an r1::Error naming the file and
// line; an unknown name is an r1::Error listing the known ones.
std::vector<Problem> load_benchmark(const std::string& name, const std::string& data_dir);

// The instruction R1 recommends for math prompts (DeepSeek-R1 model card, "Usage Recommendations").
extern const char* const kBoxedInstruction;  // "Please reason step by step, and put your final answer within \boxed{}."

}  // namespace r1::tasks
