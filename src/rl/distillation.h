// Distillation (the R1 paper's third result, §2.4): a student SFT'd on a teacher's verified outputs.
// Teacher and student may have different tokenizers and chat templates, so the data between them is
// TEXT: the teacher is prompted and decoded with its own tokenizer/template, the kept (user message,
// response) pairs are stored as chat messages, and the student renders them with its own (the SFT
// path of train/sft.h). The stages, each its own function:
//
//   distill_problems   training problems over the tasks (synthetic families or benchmark files)
//   sample_teacher     k samples per problem from the teacher (rl/sample_candidates.h), the rejection
//                      filters of `r1 sample` (rl/rejection_sampling.h) -> kept conversations
//   run_distillation   the whole resumable job in OUT: the data file (written once, atomically, then
//                      reused), then the student's SFT (train/sft.h: step checkpoints, exact resume,
//                      OUT/final in Hugging Face layout with the STUDENT's tokenizer)
//
// Prompts are the ones RL and `r1 eval` use (tasks/prompt_template.h): the teacher's R1 chat prompt
// for a benchmark file when it has a chat template, else R1-Zero's. The conversation keeps the user
// message the teacher saw (for R1 chat: question + R1's boxed-answer instruction) and the scored
// response (forced prefix included), so the student learns the same text in its own format.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "rl/rejection_sampling.h"
#include "rollout/scored_rollout.h"
#include "tasks/task.h"
#include "tasks/task_options.h"
#include "text/chat_template.h"
#include "text/text_codec.h"
#include "train/run_control.h"
#include "train/sft.h"

namespace r1::model {
class CausalLMImpl;
}

namespace r1::rl {

// Config keys, ranges and docs of the structs below: rl/distill_schema.h (add every new field there).
struct DistillSampling {
  double temperature = 0.6;  // the R1 paper's sampling for its distillation data
  double top_p = 0.95;
  int64_t max_new_tokens = 256;
};

// What the distillation data depends on (the teacher aside).
struct DistillDataConfig {
  std::vector<std::string> tasks = {"running_sum"};  // synthetic families and/or benchmark files
  tasks::TaskOptions task_options;                   // options of the synthetic families
  std::string data_dir;                              // where benchmark files are; "" = core/data_dir.h's search
  int64_t prompts = 64;                              // problems, taken from the tasks in turn
  int64_t k = 4;                                     // teacher samples per problem
  uint64_t seed = 1;                                 // problems and sampling
  int64_t batch_prompts = 16;                        // problems per generate() call (a progress line each)
  DistillSampling sampling;
  RejectionConfig filter;
};

// The task objects of `cfg.tasks`: a synthetic family with its options, a benchmark file read from
// data_dir. An unknown name or a missing file is an r1::Error naming it, before any model loads.
std::vector<std::unique_ptr<tasks::Task>> make_distill_tasks(const DistillDataConfig& cfg);

// The teacher's text format: its codec (BOS/EOS from config.json) and chat template, if any.
struct TeacherText {
  text::TextCodec codec;
  std::optional<text::ChatTemplate> chat;
};

// One problem prompted for the teacher. `user_message` is what the conversation stores as the user
// turn; prompt.ids ends with the encoded forced response prefix.
struct DistillProblem {
  rollout::RolloutPrompt prompt;
  std::string user_message;
};

// `n` problems, the i-th from tasks[i % tasks.size()] (index i seeds its samples). A synthetic family
// draws from a seeded generator; a benchmark file is taken without replacement in a seeded order
// (cycling when n exceeds it). A pure function of (tasks, n, seed, teacher format).
std::vector<DistillProblem> distill_problems(const std::vector<std::unique_ptr<tasks::Task>>& tasks, int64_t n,
                                             uint64_t seed, const TeacherText& teacher);

struct DistillData {
  std::vector<nlohmann::json> conversations;  // kept samples: [{user, message}, {assistant, response}]
  RejectionStats stats;                       // the filters' counts
  int64_t correct = 0;                        // verified samples (before the other filters)
  int64_t generated_tokens = 0;
  nlohmann::json to_json() const;             // stats + correct_rate + generated_tokens
};

// cfg.k samples per problem from the teacher, verified and filtered as `r1 sample` does, in batches
// of cfg.batch_prompts problems with a progress line each (the samples do not depend on the batching).
DistillData sample_teacher(model::CausalLMImpl& teacher, const TeacherText& text,
                           const std::vector<DistillProblem>& problems, const DistillDataConfig& cfg);

// The student's training examples from the conversations, rendered with its format (train/sft.h);
// `dropped` counts those whose prompt does not fit max_length.
std::vector<train::Example> student_examples(const std::vector<nlohmann::json>& conversations,
                                             const train::SftFormat& student, int64_t* dropped = nullptr);

struct DistillJob {
  std::string teacher, student, out;  // checkpoint directories; out = the job's directory
  DistillDataConfig data;
  int64_t max_length = 0;  // student tokens per example at most; 0 = the student's context
  train::SftConfig sft;
  train::RunControl run;   // run.fingerprint: the caller's result-affecting config
};

struct DistillResult {
  DistillData data;
  bool data_reused = false;   // OUT/distill_data.jsonl came from an earlier run
  int64_t examples = 0;       // student examples trained on
  train::SftResult sft;
};

// The job in OUT:
//   distill_data.jsonl   kept conversations ({"messages": [...]}, what `r1 sft --data` reads)
//   distill_data.json    its statistics and the config + teacher it was sampled with (written last:
//                        the data is reused only when both exist and that config equals this one's)
//   checkpoints/step-N (+ latest), final/   the student's SFT (train/sft.h), its tokenizer included
//   metrics.jsonl        a "distill_data" row, then the SFT's rows
// A rerun with the same OUT reuses the data and resumes the SFT from its latest checkpoint; a data
// file sampled under another config is an r1::UsageError naming the key that differs.
DistillResult run_distillation(const DistillJob& job);

}  // namespace r1::rl
