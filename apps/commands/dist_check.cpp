// r1 dist_check: checks a distributed setup before a long job -- rendezvous, every collective the
// trainers use on known values, optionally the all-reduce bandwidth -- under r1 launch or torchrun.
#include <unistd.h>

#include <cstdio>

#include "commands/commands.h"
#include "core/cli.h"
#include "dist/dist_config_schema.h"
#include "dist/diagnostics.h"
#include "dist/net.h"
#include "dist/runtime.h"

namespace {

struct DistCheckCommand {
  r1::dist::DistConfig dist;
  bool bandwidth = false;
  int64_t min_bytes = 4096, max_bytes = 64 << 20, factor = 4, iters = 20, warmup = 3;
};

template <class V>
void visit_fields(V& v, DistCheckCommand& c) {
  using namespace r1::schema;
  v.field("dist", c.dist, "how the ranks connect and watch each other");
  v.field("bandwidth", c.bandwidth, "also measure float32 all-reduce bandwidth");
  v.field("min_bytes", c.min_bytes, "the smallest message of the sweep", at_least(4));
  v.field("max_bytes", c.max_bytes, "the largest message of the sweep", at_least(4));
  v.field("factor", c.factor, "growth of the message size per row", at_least(2));
  v.field("iters", c.iters, "timed all-reduces per size", at_least(1));
  v.field("warmup", c.warmup, "untimed all-reduces per size", at_least(0));
  v.require(c.min_bytes <= c.max_bytes, "max_bytes", "must be at least min_bytes");
}

const r1::cli::CommandSpec kSpec{
    "dist_check", "[--key value ...]",
    "Joins the job of torchrun's environment (or runs alone), runs every collective once on values with a\n"
    "known result, and with --bandwidth true measures float32 all-reduce bandwidth from --min_bytes to\n"
    "--max_bytes (x --factor). Example: r1 launch --nproc_per_node 2 dist_check --bandwidth true",
    {}};

int run(DistCheckCommand& c) {
  r1::dist::Runtime rt(c.dist);
  std::printf("dist_check: rank %d/%d (local %d/%d) on %s, pid %d, backend %s\n", rt.rank(), rt.world_size(),
              rt.local_rank(), rt.env().local_world_size, r1::dist::host_name().c_str(), static_cast<int>(::getpid()),
              rt.backend_name());
  std::fflush(stdout);
  const std::string summary = r1::dist::check_collectives(rt);
  if (rt.is_main()) std::printf("dist_check: %s\n", summary.c_str());
  if (c.bandwidth) {
    const auto rows = r1::dist::measure_all_reduce(rt, c.min_bytes, c.max_bytes, c.factor, c.iters, c.warmup);
    if (rt.is_main()) std::fputs(r1::dist::format_bandwidth(rows, rt.world_size()).c_str(), stdout);
  }
  std::fflush(stdout);
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "check a distributed setup: rendezvous, collectives, all-reduce bandwidth",
                             run);

}  // namespace
