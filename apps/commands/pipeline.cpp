// r1 pipeline: the whole R1 recipe and distillation at tiny scale, stage by stage, into one run
// directory (pipeline/r1_pipeline.h).
#include <string>
#include <vector>

#include "commands/commands.h"
#include "pipeline/r1_pipeline.h"

namespace {

int run(int argc, char** argv) {
  // `r1 pipeline CONFIG.json [--key value ...]`: a leading path is the config file.
  std::vector<std::string> args(argv, argv + argc);
  if (args.size() > 1 && args[1].rfind("--", 0) != 0) args.insert(args.begin() + 1, "--config");
  std::vector<char*> ptrs;
  for (auto& a : args) ptrs.push_back(a.data());
  std::string stages;
  for (const auto& s : r1::pipeline::pipeline_stages()) stages += (stages.empty() ? "" : ", ") + s;
  auto cfg = r1::cli::resolve_command_config(
      "pipeline",
      "Runs the R1 recipe on a tiny world, each stage resumable, into RUN_DIR: " + stages +
          ".\n`--stages a,b` runs a subset (their inputs must exist). Writes summary.json and report.html with the\n"
          "results table and the paper's findings measured.",
      r1::pipeline::r1_pipeline_defaults(), static_cast<int>(ptrs.size()), ptrs.data());
  if (cfg.is_null()) return 0;
  r1::pipeline::run_r1_pipeline(cfg);
  return 0;
}

r1::cli::RegisterCommand reg("pipeline", "the whole R1 pipeline + distillation, resumable, with a findings report", run);

}  // namespace
