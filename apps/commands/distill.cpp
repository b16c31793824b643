// r1 distill: distillation (the R1 paper's third result) from a teacher checkpoint into a student
// checkpoint with its own tokenizer — sample and verify with the teacher, re-encode the kept text for
// the student, SFT it; resumable in --out (rl/distillation.h).
#include <cstdio>

#include "commands/commands.h"
#include "core/cli.h"
#include "rl/distill_schema.h"
#include "rl/distillation.h"
#include "train/run_control_schema.h"
#include "train/sft_schema.h"

namespace {

struct DistillCommand {
  std::string teacher, student, out;
  r1::rl::DistillDataConfig data;
  int64_t max_length = 0;
  r1::train::SftConfig sft = [] {
    r1::train::SftConfig s;
    s.epochs = 3;
    s.train.batch_size = 16;
    s.train.lr = 1e-3;
    s.train.warmup_steps = 5;
    s.train.log_every = 1;
    return s;
  }();
  r1::train::RunControl run = [] {
    r1::train::RunControl rc;
    rc.checkpoint_every = 50;
    rc.keep = 2;
    return rc;
  }();
};

template <class V>
void visit_fields(V& v, DistillCommand& c) {
  using namespace r1::schema;
  v.field("teacher", c.teacher, "the checkpoint sampled from, with its own tokenizer and chat template", kRequired);
  v.field("student", c.student, "the checkpoint fine-tuned, with its own tokenizer and chat template", kRequired);
  v.field("out", c.out,
          "output directory: distill_data.jsonl (+ .json statistics), checkpoints/step-N (+ latest), final, "
          "metrics.jsonl",
          kRequired | kNotResult);
  visit_fields(v, c.data);
  v.field("max_length", c.max_length,
          "student tokens per example at most (longer prompts are dropped, responses cut); 0 = the student's context",
          at_least(0));
  v.field("sft", c.sft, "the student's fine-tuning (epochs, seed of the shuffle, train.*), as `r1 sft` takes it");
  r1::train::visit_run_control_fields(v, c.run);
}

const r1::cli::CommandSpec kSpec{
    "distill", "--teacher DIR --student DIR --tasks NAMES --out DIR [--key value ...]",
    "Distils --teacher into --student (the R1 paper's distilled models): samples k responses to each of\n"
    "--prompts problems of --tasks (synthetic families, or benchmark files such as gsm8k_train) from the\n"
    "teacher with its own tokenizer and prompt (R1 chat template on benchmark files when it has one, else\n"
    "R1-Zero), keeps the verified, single-language, not repetitive, de-duplicated ones as `r1 sample` does,\n"
    "writes them to OUT/distill_data.jsonl as chat messages, renders them with the STUDENT's tokenizer and\n"
    "chat template and fine-tunes it as `r1 sft` does. A rerun with the same --out reuses the data and\n"
    "resumes the SFT from OUT/checkpoints/latest; OUT/final is the distilled student (Hugging Face layout).",
    {}};

int run(DistillCommand& c) {
  r1::rl::DistillJob job{c.teacher, c.student, c.out, c.data, c.max_length, c.sft, c.run};
  // What changes the result: the command's result part (no output, cadence or logging keys).
  job.run.fingerprint = r1::schema::result_part(c);
  auto r = r1::rl::run_distillation(job);
  std::printf("distill: %lld examples (%s), SFT steps %lld..%lld, final loss %.4f\n",
              static_cast<long long>(r.examples), r.data_reused ? "data reused" : "data sampled",
              static_cast<long long>(r.sft.start_step), static_cast<long long>(r.sft.end_step),
              r.sft.train.final_loss);
  std::printf("%s\n", r.sft.final_dir.empty()
                          ? ("stopped early; rerun to resume from " + r1::train::latest_checkpoint(c.out)).c_str()
                          : ("student: " + r.sft.final_dir).c_str());
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "distil a teacher into a student with another tokenizer (sample, verify, SFT)", run);

}  // namespace
