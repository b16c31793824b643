// r1 pipeline: the whole R1 recipe and distillation at tiny scale, stage by stage, into one run
// directory (pipeline/r1_pipeline.h).
#include <string>

#include "commands/commands.h"
#include "core/cli.h"
#include "pipeline/r1_pipeline.h"

namespace {

r1::cli::CommandSpec spec() {
  std::string stages;
  for (const auto& s : r1::pipeline::pipeline_stages()) stages += (stages.empty() ? "" : ", ") + s;
  return {"pipeline", "[CONFIG.json] [--key value ...]",
          "Runs the R1 recipe on a tiny world, each stage resumable, into RUN_DIR: " + stages +
              ".\n--stages a,b runs a subset (their inputs must exist). Writes summary.json and report.html with the\n"
              "results table and the paper's findings measured. A bare CONFIG.json is the --config file.",
          {"config"}};
}

int run(r1::pipeline::R1PipelineConfig& cfg) {
  r1::pipeline::run_r1_pipeline(cfg);
  return 0;
}

r1::cli::RegisterCommand reg(spec(), "the whole R1 pipeline + distillation, resumable, with a findings report", run,
                             r1::pipeline::r1_pipeline_defaults);

}  // namespace
