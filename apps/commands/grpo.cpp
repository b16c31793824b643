// r1 grpo: the main job's RL stage — GRPO with rule-based rewards from a checkpoint.
#include <string>
#include <vector>

#include "commands/commands.h"
#include "pipeline/r1zero.h"

namespace {

int run(int argc, char** argv) {
  // --init DIR is this command's own flag; everything else is the shared configuration.
  std::string init;
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--init" && i + 1 < argc)
      init = argv[++i];
    else if (a.rfind("--init=", 0) == 0)
      init = a.substr(7);
    else
      rest.push_back(argv[i]);
  }
  auto cfg = r1::cli::resolve_command_config(
      "grpo",
      "Trains a checkpoint (--init DIR, default RUN_DIR/checkpoints/base) with GRPO on rule-based rewards\n"
      "(task verifier accuracy + format), saves RUN_DIR/checkpoints/final and evaluates it on held-out problems.\n"
      "--tasks takes synthetic families and benchmark files (gsm8k, gsm8k_train, math500, countdown_cd3, ...)\n"
      "found in --data_dir, $R1_DATA_DIR or the data/ r1 ships with. A checkpoint with a chat template in tokenizer_config.json\n"
      "gets the R1 chat prompt on benchmark tasks, as `r1 eval` does; otherwise the R1-Zero prompt.\n"
      "Takes the same configuration as `r1 demo` (the rl.* keys matter here).",
      r1::pipeline::r1zero_defaults(), static_cast<int>(rest.size()), rest.data());
  if (cfg.is_null()) return 0;
  r1::pipeline::run_grpo_stage(cfg, init);
  return 0;
}

r1::cli::RegisterCommand reg("grpo", "GRPO with rule-based rewards from a checkpoint (--init DIR)", run);

}  // namespace
