// r1 pretrain: the main job's first stage — tokenizer and base model -> RUN_DIR/checkpoints/base.
#include "commands/commands.h"
#include "core/cli.h"
#include "dist/runtime.h"
#include "pipeline/r1zero.h"

namespace {

const r1::cli::CommandSpec kSpec{
    "pretrain", "[--config FILE.json] [--key value ...]",
    "Trains a byte-level BPE tokenizer and a base model on a corpus mixing direct answers and <think>\n"
    "solutions of the configured task families; saves RUN_DIR/checkpoints/base (Hugging Face layout), with\n"
    "step checkpoints under RUN_DIR/work/pretrain that a killed run continues from. Takes the same\n"
    "configuration as `r1 demo`.",
    {}};

int run(r1::pipeline::R1ZeroConfig& cfg) {
  r1::dist::Runtime rt(cfg.dist);  // joins the job of torchrun's environment, or runs alone
  r1::pipeline::run_pretrain_stage(cfg, rt);
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "pretrain a base model on mixed direct / <think> task solutions", run,
                             r1::pipeline::r1zero_defaults);

}  // namespace
