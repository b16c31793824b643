// r1 demo: the main job — R1-Zero in a tiny world, on a CPU in minutes (pipeline/r1zero.h).
#include "commands/commands.h"
#include "core/cli.h"
#include "dist/runtime.h"
#include "pipeline/r1zero.h"

namespace {

const r1::cli::CommandSpec kSpec{
    "demo", "[--config FILE.json] [--key value ...]",
    "Pretrains a tiny base model on direct and <think> solutions of verifiable tasks, measures it, trains it\n"
    "with GRPO on rule-based rewards alone, measures it again, and writes report.html and summary.json into\n"
    "run_dir. Re-running the same command resumes: finished stages are skipped, interrupted ones continue\n"
    "from their step checkpoints.",
    {}};

int run(r1::pipeline::R1ZeroConfig& cfg) {
  r1::dist::Runtime rt(cfg.dist);  // joins the job of torchrun's environment, or runs alone
  r1::pipeline::run_r1zero(cfg, rt);
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "R1-Zero end to end on a tiny model: pretrain, GRPO, evaluate, report", run,
                             r1::pipeline::r1zero_defaults);

}  // namespace
