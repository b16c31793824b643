// r1 pretrain: the main job's first stage — tokenizer and base model -> RUN_DIR/checkpoints/base.
#include "commands/commands.h"
#include "pipeline/r1zero.h"

namespace {

int run(int argc, char** argv) {
  auto cfg = r1::cli::resolve_command_config(
      "pretrain",
      "Trains a byte-level BPE tokenizer and a base model on a corpus mixing direct answers and <think>\n"
      "solutions of the configured task families; saves RUN_DIR/checkpoints/base (Hugging Face layout).\n"
      "Takes the same configuration as `r1 demo`.",
      r1::pipeline::r1zero_defaults(), argc, argv);
  if (cfg.is_null()) return 0;
  r1::pipeline::run_pretrain_stage(cfg);
  return 0;
}

r1::cli::RegisterCommand reg("pretrain", "pretrain a base model on mixed direct / <think> task solutions", run);

}  // namespace
