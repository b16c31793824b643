// r1 grpo: the main job's RL stage — GRPO with rule-based rewards from a checkpoint.
#include <string>

#include "commands/commands.h"
#include "core/cli.h"
#include "dist/runtime.h"
#include "pipeline/r1zero.h"

namespace {

// `r1 demo`'s keys plus the checkpoint to start from.
struct GrpoCommand {
  std::string init;
  r1::pipeline::R1ZeroConfig job = r1::pipeline::r1zero_defaults();
};

template <class V>
void visit_fields(V& v, GrpoCommand& c) {
  v.field("init", c.init, "the checkpoint GRPO starts from; \"\" = RUN_DIR/checkpoints/base");
  visit_fields(v, c.job);
}

const r1::cli::CommandSpec kSpec{
    "grpo", "[--init DIR] [--config FILE.json] [--key value ...]",
    "Trains a checkpoint with GRPO on rule-based rewards (task verifier accuracy + format), saves\n"
    "RUN_DIR/checkpoints/final and evaluates it on held-out problems. Step checkpoints under RUN_DIR/work/grpo\n"
    "let a killed run continue. --tasks takes synthetic families and benchmark files (gsm8k, gsm8k_train,\n"
    "math500, countdown_cd3, ...) found in --data_dir, $R1_DATA_DIR or the data/ r1 ships with. A checkpoint\n"
    "with a chat template in tokenizer_config.json gets the R1 chat prompt on benchmark tasks, as `r1 eval`\n"
    "does; otherwise the R1-Zero prompt. Takes the same configuration as `r1 demo` (the rl.* keys matter here).",
    {}};

int run(GrpoCommand& cfg) {
  r1::dist::Runtime rt(cfg.job.dist);  // joins the job of torchrun's environment, or runs alone
  r1::pipeline::run_grpo_stage(cfg.job, cfg.init, rt);
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "GRPO with rule-based rewards from a checkpoint (--init DIR)", run);

}  // namespace
