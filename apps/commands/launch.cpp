// r1 launch: starts the ranks of a data-parallel job on this node with torchrun's environment
// (dist/launcher.h), so `r1 launch --nproc_per_node 2 grpo ...` does what
// `torchrun --nproc_per_node 2 --no_python r1 grpo ...` does, without Python.
#include <unistd.h>

#include <climits>
#include <string>
#include <vector>

#include "commands/commands.h"
#include "core/config.h"
#include "core/error.h"
#include "dist/launcher.h"

namespace {

using json = nlohmann::json;

json defaults() {
  r1::dist::LaunchOptions o;
  return {{"nproc_per_node", o.nproc_per_node}, {"nnodes", o.nnodes},         {"node_rank", o.node_rank},
          {"master_addr", o.master_addr},       {"master_port", o.master_port}, {"stop_timeout_s", o.stop_timeout_s}};
}

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
  auto cfg = r1::cli::resolve_command_config(
      "launch",
      "Starts --nproc_per_node ranks of `r1 <command> ...` on this node with torchrun's environment (RANK,\n"
      "WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT). Usage:\n"
      "  r1 launch [--nproc_per_node N] [--nnodes M --node_rank K --master_addr HOST --master_port P] <command> ...\n"
      "Each rank's output is prefixed with [rank N]; Ctrl-C and SIGTERM reach every rank; when one rank\n"
      "fails the others are stopped (SIGTERM, then SIGKILL after --stop_timeout_s) and the launcher exits\n"
      "with that rank's status. --master_port 0 picks a free port (one node). On M nodes run one launcher\n"
      "per node with the same --nnodes, --master_addr (node 0's address) and --master_port.",
      defaults(), split, argv);
  if (cfg.is_null()) return 0;
  r1::check(split < argc, "r1 launch", "names no command: r1 launch --nproc_per_node N <command> [its options]");
  r1::dist::LaunchOptions o;
  o.nproc_per_node = cfg.at("nproc_per_node");
  o.nnodes = cfg.at("nnodes");
  o.node_rank = cfg.at("node_rank");
  o.master_addr = cfg.at("master_addr");
  o.master_port = cfg.at("master_port");
  o.stop_timeout_s = cfg.at("stop_timeout_s");
  return r1::dist::launch(o, self_path(), std::vector<std::string>(argv + split, argv + argc));
}

r1::cli::RegisterCommand reg("launch", "run a command on N ranks with torchrun's environment (data-parallel jobs)", run);

}  // namespace
