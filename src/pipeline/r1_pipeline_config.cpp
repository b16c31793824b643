#include "pipeline/r1_pipeline_config.h"

#include <algorithm>

#include "core/error.h"

namespace r1::pipeline {
namespace {

SftSettings sft_settings(int64_t epochs, double lr) {
  SftSettings s;
  s.train.batch_size = 16;
  s.train.lr = lr;
  s.train.warmup_steps = 10;
  s.epochs = epochs;
  return s;
}

// prompts sampled, their SFT's epochs and learning rate; the filters every stage shares.
template <class Stage>
Stage sampled_sft(int64_t prompts, int64_t epochs, double lr) {
  Stage s;
  s.prompts = prompts;
  s.filter.max_tokens = 60;
  s.filter.max_per_prompt = 2;
  s.sft = sft_settings(epochs, lr);
  return s;
}

}  // namespace

std::vector<int64_t> parse_seeds(const std::vector<std::string>& seeds) {
  std::vector<int64_t> out;
  for (const auto& s : seeds) {
    const bool digits = !s.empty() && s.size() <= 18 && std::all_of(s.begin(), s.end(), [](char ch) {
      return ch >= '0' && ch <= '9';
    });
    if (!digits) throw UsageError("seeds", "\"" + s + "\" is not a seed (a decimal integer below 10^18)");
    const int64_t n = std::stoll(s);
    if (std::find(out.begin(), out.end(), n) != out.end())
      throw UsageError("seeds", "seed " + std::to_string(n) + " is listed twice");
    out.push_back(n);
  }
  return out;
}

R1PipelineConfig r1_pipeline_defaults() {
  R1PipelineConfig c;
  c.run_dir = "runs/pipeline";
  c.tasks = {"running_sum"};
  c.task_options.running_sum = {/*terms=*/4, /*max_digit=*/9, /*modulus=*/10, /*words=*/true, /*zh_fraction=*/0.3};
  c.tokenizer.num_merges = 96;
  c.model = tiny_model_defaults();
  // The student: 0.5M parameters, narrower than the teacher but as deep (64x2 and 128x2 students
  // never learned the addition, distilled or not), with half the teacher's pretraining. With the
  // full 2000 steps some seeds' students learn the task alone and RL alone takes them to the
  // ceiling; with 1000 none did (seeds 1-3), so whether RL or distillation lifts it is a real question.
  c.student_model = tiny_model_defaults();
  c.student_model.hidden_size = 96;
  c.student_model.intermediate_size = 288;
  c.pretrain.steps = 2000;  // the demo's 1500 plus margin for the connectives and the general replies
  c.pretrain.batch_size = 18;
  // Whether a base learns the addition within 2000 steps is a matter of seed: its loss drops from a
  // ~0.42 plateau to ~0.36 at a step between 700 and 1800, or not at all. At 3e-3 seeds 1 and 3 learn
  // and 2 does not; at 1e-3 seed 2 learns and 1 and 3 do not. 3000 steps at 3e-3 taught all three
  // (base pass@1 0.610, 0.523, 0.583; seed 2 at ~2500): the candidate budget, not yet run through
  // the whole pipeline.
  c.pretrain.lr = 3e-3;
  c.pretrain.warmup_steps = 50;
  c.student_pretrain = c.pretrain;
  c.student_pretrain.steps = 1000;
  c.reasoning_rl.rl.language_weight = 0.5;
  c.reasoning_rl.rl.steps = 80;
  c.final_rl.rl.steps = 60;
  c.cold_start = sampled_sft<ColdStartStage>(200, 2, 3e-4);
  c.cold_start.extra = 100;  // written traces
  c.rejection_sft = sampled_sft<RejectionSftStage>(300, 2, 1e-3);
  c.rejection_sft.extra = 150;  // general replies
  // ~2.5k verified traces and 600 general replies, 10 epochs (~1900 steps, ~2 min on an idle core):
  // the student's loss leaves the format's plateau (~0.25) only after ~500 steps; 400 prompts x 3
  // epochs (67 steps) never got there. The general replies keep the general task's format (0.0
  // acceptance without them).
  c.distill = sampled_sft<DistillStage>(3000, 10, 1e-3);
  c.distill.extra = 600;
  return c;
}

}  // namespace r1::pipeline
