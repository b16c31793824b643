// r1 dist_check: checks a distributed setup before a long job -- rendezvous, every collective the
// trainers use on known values, optionally the all-reduce bandwidth -- under r1 launch or torchrun.
#include <unistd.h>

#include <cstdio>

#include "commands/commands.h"
#include "core/config.h"
#include "dist/diagnostics.h"
#include "dist/net.h"
#include "dist/runtime.h"

namespace {

using json = nlohmann::json;

json defaults() {
  return {{"dist", r1::dist::DistConfig{}}, {"bandwidth", false}, {"min_bytes", 4096}, {"max_bytes", 64 << 20},
          {"factor", 4},                    {"iters", 20},        {"warmup", 3}};
}

int run(int argc, char** argv) {
  auto cfg = r1::cli::resolve_command_config(
      "dist_check",
      "Joins the job of torchrun's environment (or runs alone), runs every collective once on values with a\n"
      "known result, and with --bandwidth true measures float32 all-reduce bandwidth from --min_bytes to\n"
      "--max_bytes (x --factor). Example: r1 launch --nproc_per_node 2 dist_check --bandwidth true",
      defaults(), argc, argv);
  if (cfg.is_null()) return 0;
  r1::dist::Runtime rt(r1::config_from_json<r1::dist::DistConfig>(cfg.at("dist")));
  std::printf("dist_check: rank %d/%d (local %d/%d) on %s, pid %d, backend %s\n", rt.rank(), rt.world_size(),
              rt.local_rank(), rt.env().local_world_size, r1::dist::host_name().c_str(), static_cast<int>(::getpid()),
              rt.backend_name());
  std::fflush(stdout);
  const std::string summary = r1::dist::check_collectives(rt);
  if (rt.is_main()) std::printf("dist_check: %s\n", summary.c_str());
  if (cfg.at("bandwidth").get<bool>()) {
    const auto rows = r1::dist::measure_all_reduce(rt, cfg.at("min_bytes"), cfg.at("max_bytes"), cfg.at("factor"),
                                                   cfg.at("iters"), cfg.at("warmup"));
    if (rt.is_main()) std::fputs(r1::dist::format_bandwidth(rows, rt.world_size()).c_str(), stdout);
  }
  std::fflush(stdout);
  return 0;
}

r1::cli::RegisterCommand reg("dist_check", "check a distributed setup: rendezvous, collectives, all-reduce bandwidth",
                             run);

}  // namespace
