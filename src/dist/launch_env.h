// torchrun's environment: what a rank learns about its place in the job before any network call.
// `torchrun` and `r1 launch` set RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and
// MASTER_PORT; a process started without them is the whole job (world 1, no c10d at all).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace r1::dist {

struct LaunchEnv {
  int rank = 0;              // RANK: this process's global rank, 0 <= rank < world_size
  int world_size = 1;        // WORLD_SIZE: processes in the job
  int local_rank = 0;        // LOCAL_RANK: rank among the processes of this node (picks its GPU)
  int local_world_size = 1;  // LOCAL_WORLD_SIZE: processes on this node
  std::string master_addr;   // MASTER_ADDR: host of the rendezvous store (required when world_size > 1)
  int master_port = 0;       // MASTER_PORT: its TCP port, 1..65535
  // TORCHELASTIC_USE_AGENT_STORE=True: torchrun's agent already hosts the store at MASTER_ADDR:
  // MASTER_PORT, so rank 0 connects to it like every other rank instead of hosting one.
  bool agent_store = false;
  int restart_count = 0;     // TORCHELASTIC_RESTART_COUNT: keys of an earlier attempt are not reused

  bool distributed() const { return world_size > 1; }
};

// Looks a variable up; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads and validates the variables. Errors name the variable and its value and say what to do:
// a non-integer, RANK >= WORLD_SIZE, RANK without WORLD_SIZE, a missing MASTER_ADDR or MASTER_PORT
// when WORLD_SIZE > 1, a port outside 1..65535, LOCAL_RANK >= LOCAL_WORLD_SIZE.
LaunchEnv read_launch_env(const EnvLookup& lookup);
LaunchEnv read_launch_env();  // from this process's environment

// The variables a launcher exports for one rank (the torchrun names, plus GROUP_RANK for the node).
std::vector<std::pair<std::string, std::string>> launch_variables(const LaunchEnv& env, int node_rank);

// "rank 1/2" for messages; "" for a one-process job.
std::string rank_label(const LaunchEnv& env);

}  // namespace r1::dist
