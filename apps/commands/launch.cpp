// r1 launch: starts the ranks of a data-parallel job on this node with torchrun's environment
// (dist/launcher.h), so `r1 launch --nproc_per_node 2 grpo ...` does what
// `torchrun --nproc_per_node 2 --no_python r1 grpo ...` does, without Python.
#include <unistd.h>

#include <climits>
#include <string>
#include <vector>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "dist/launcher.h"

namespace {

using LaunchOptions = r1::dist::LaunchOptions;

}  // namespace

namespace r1::dist {

template <class V>
void visit_fields(V& v, LaunchOptions& c) {
  using namespace r1::schema;
  v.field("nproc_per_node", c.nproc_per_node, "ranks started on this node", at_least(1));
  v.field("nnodes", c.nnodes, "nodes in the job, each with its own launcher", at_least(1));
  v.field("node_rank", c.node_rank, "this node's index, 0..nnodes-1", at_least(0));
  v.field("master_addr", c.master_addr, "where rank 0 hosts the rendezvous store", kRequired);
  v.field("master_port", c.master_port, "its port; 0 = a free port chosen here (one node only)", closed(0, 65535));
  v.field("stop_timeout_s", c.stop_timeout_s, "after a failure or a signal: seconds ranks get before SIGKILL",
          above(0));
}

}  // namespace r1::dist

namespace {

const r1::cli::CommandSpec kSpec{
    "launch", "[--nproc_per_node N] [--nnodes M --node_rank K --master_addr HOST --master_port P] <command> ...",
    "Starts --nproc_per_node ranks of `r1 <command> ...` on this node with torchrun's environment (RANK,\n"
    "WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT). Each rank's output is prefixed\n"
    "with [rank N]; Ctrl-C and SIGTERM reach every rank; when one rank fails the others are stopped\n"
    "(SIGTERM, then SIGKILL after --stop_timeout_s) and the launcher exits with that rank's status.\n"
    "--master_port 0 picks a free port (one node). On M nodes run one launcher per node with the same\n"
    "--nnodes, --master_addr (node 0's address) and --master_port.",
    {}};

std::string self_path() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  r1::check(n > 0, "r1 launch", "cannot find its own executable (/proc/self/exe)");
  return std::string(buf, static_cast<size_t>(n));
}

int run(int argc, char** argv) {
  // The launcher's own options come first; the first word that is not an option starts the command.
  int split = 1;
  while (split < argc) {
    const std::string a = argv[split];
    if (a.rfind("--", 0) != 0 && a != "-h") break;
    const std::string key = a.substr(2, a.find('=') - 2);
    r1::check(key.find('-') == std::string::npos, "option " + a,
              "r1 spells options with underscores: --" + [&] {
                std::string k = key;
                for (char& c : k) c = c == '-' ? '_' : c;
                return k;
              }());
    split += (a == "--help" || a == "-h" || a.find('=') != std::string::npos) ? 1 : 2;
  }
  split = std::min(split, argc);
  r1::dist::LaunchOptions o;
  if (!r1::cli::parse(kSpec, o, split, argv)) return 0;
  r1::check(split < argc, "r1 launch", "names no command: r1 launch --nproc_per_node N <command> [its options]");
  return r1::dist::launch(o, self_path(), std::vector<std::string>(argv + split, argv + argc));
}

r1::cli::RegisterCommand reg("launch", "run a command on N ranks with torchrun's environment (data-parallel jobs)", run);

}  // namespace
