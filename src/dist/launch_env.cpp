#include "dist/launch_env.h"

#include <cctype>
#include <cstdlib>

#include "core/error.h"

namespace r1::dist {
namespace {

// A decimal integer in [lo, hi]; anything else (empty, "2x", " 1", "1e3") names the variable.
int parse_int(const std::string& name, const std::string& text, long lo, long hi, const std::string& hint) {
  const std::string where = "environment variable " + name + "='" + text + "'";
  bool digits = !text.empty() && text.size() <= 9;
  for (size_t i = 0; i < text.size(); ++i)
    digits = digits && (std::isdigit(static_cast<unsigned char>(text[i])) || (i == 0 && text[i] == '-' && text.size() > 1));
  check(digits, where, "is not an integer" + hint);
  const long v = std::stol(text);
  check(v >= lo && v <= hi, where, "must be in " + std::to_string(lo) + ".." + std::to_string(hi) + hint);
  return static_cast<int>(v);
}

}  // namespace

LaunchEnv read_launch_env(const EnvLookup& lookup) {
  const auto rank = lookup("RANK"), world = lookup("WORLD_SIZE");
  LaunchEnv env;
  if (!rank && !world) return env;  // not launched by torchrun or r1 launch: the whole job
  const std::string how = " (torchrun and r1 launch set RANK and WORLD_SIZE together)";
  if (!rank) throw Error("environment variable RANK", "is not set but WORLD_SIZE='" + *world + "' is" + how);
  if (!world) throw Error("environment variable WORLD_SIZE", "is not set but RANK='" + *rank + "' is" + how);
  env.world_size = parse_int("WORLD_SIZE", *world, 1, 1 << 20, "");
  env.rank = parse_int("RANK", *rank, 0, 1 << 20, "");
  check(env.rank < env.world_size, "environment variable RANK='" + *rank + "'",
        "must be below WORLD_SIZE='" + *world + "' (ranks are 0.." + std::to_string(env.world_size - 1) + ")");

  // Without the local variables the job is taken to run on one node.
  const auto local_world = lookup("LOCAL_WORLD_SIZE"), local_rank = lookup("LOCAL_RANK");
  env.local_world_size =
      local_world ? parse_int("LOCAL_WORLD_SIZE", *local_world, 1, env.world_size, " (at most WORLD_SIZE)")
                  : env.world_size;
  env.local_rank = local_rank ? parse_int("LOCAL_RANK", *local_rank, 0, 1 << 20, "") : env.rank;
  check(env.local_rank < env.local_world_size, "environment variable LOCAL_RANK='" + std::to_string(env.local_rank) + "'",
        "must be below LOCAL_WORLD_SIZE=" + std::to_string(env.local_world_size));

  if (const auto agent = lookup("TORCHELASTIC_USE_AGENT_STORE")) env.agent_store = *agent == "True";
  if (const auto restarts = lookup("TORCHELASTIC_RESTART_COUNT"))
    env.restart_count = parse_int("TORCHELASTIC_RESTART_COUNT", *restarts, 0, 1 << 20, "");
  if (!env.distributed()) return env;

  const auto addr = lookup("MASTER_ADDR"), port = lookup("MASTER_PORT");
  check(addr && !addr->empty(), "environment variable MASTER_ADDR",
        "is not set; with WORLD_SIZE=" + *world +
            " every rank needs the host of rank 0's rendezvous store (e.g. MASTER_ADDR=127.0.0.1 on one machine)");
  check(port.has_value(), "environment variable MASTER_PORT",
        "is not set; with WORLD_SIZE=" + *world + " every rank needs the port of rank 0's rendezvous store");
  env.master_addr = *addr;
  env.master_port = parse_int("MASTER_PORT", *port, 1, 65535, " (a TCP port)");
  return env;
}

LaunchEnv read_launch_env() {
  return read_launch_env([](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  });
}

std::vector<std::pair<std::string, std::string>> launch_variables(const LaunchEnv& env, int node_rank) {
  return {{"RANK", std::to_string(env.rank)},
          {"WORLD_SIZE", std::to_string(env.world_size)},
          {"LOCAL_RANK", std::to_string(env.local_rank)},
          {"LOCAL_WORLD_SIZE", std::to_string(env.local_world_size)},
          {"GROUP_RANK", std::to_string(node_rank)},
          {"MASTER_ADDR", env.master_addr},
          {"MASTER_PORT", std::to_string(env.master_port)}};
}

std::string rank_label(const LaunchEnv& env) {
  if (!env.distributed()) return "";
  return "rank " + std::to_string(env.rank) + "/" + std::to_string(env.world_size);
}

}  // namespace r1::dist
