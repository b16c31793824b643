// `r1 launch`: torchrun's job without Python. Starts nproc_per_node copies of a program on this node
// with torchrun's environment, streams their output with a "[rank N] " prefix, forwards SIGINT,
// SIGTERM and SIGHUP to every rank, and when one rank fails stops the others (SIGTERM, then SIGKILL
// after stop_timeout_s) and returns non-zero, naming the rank and how it ended.
#pragma once
#include <string>
#include <vector>

namespace r1::dist {

struct LaunchOptions {
  int nproc_per_node = 1;         // ranks started on this node
  int nnodes = 1;                 // nodes in the job; each runs its own launcher with its node_rank
  int node_rank = 0;              // this node's index, 0..nnodes-1 (global rank = node_rank * nproc + local)
  std::string master_addr = "127.0.0.1";  // where rank 0 hosts the rendezvous store
  int master_port = 29500;        // its port; 0 = a free port chosen here (one node only)
  double stop_timeout_s = 10.0;   // after a failure or a signal: how long ranks get to exit before SIGKILL
};

// Throws r1::Error naming the option (--nproc_per_node, ...) and what is allowed.
void validate(const LaunchOptions& opt);

// Runs the ranks of this node; returns the launcher's exit status: 0 when every rank succeeded, else
// the first failing rank's status (128 + signal when it was killed), or 128 + the signal that
// stopped the launcher.
int launch(const LaunchOptions& opt, const std::string& program, const std::vector<std::string>& args);

}  // namespace r1::dist
