// How a distributed job talks: backend, timeouts, failure detection and bucket sizes. Read by
// dist::Runtime (rendezvous, collectives, heartbeat), dist::GradReducer and dist::ShardedAdamW.
#pragma once
#include <cstdint>
#include <string>

namespace r1::dist {

struct DistConfig {
  // "auto": NCCL when this r1 was built against a CUDA libtorch and a GPU is visible, else Gloo;
  // "gloo": Gloo on CPU tensors; "nccl": NCCL on cuda:LOCAL_RANK (an error when not built in).
  std::string backend = "auto";
  // The longest any rank waits for the others: to join the rendezvous and inside each collective.
  // A rank still working while the others wait (a long rollout) must finish within it; torch's
  // default is 30 minutes. Tests use seconds.
  double timeout_s = 1800.0;
  // How often each rank's watchdog thread publishes a heartbeat to the store and checks the job's
  // abort key; 0 turns the watch off (then a lost rank is found only by the collective timeout).
  double heartbeat_s = 1.0;
  // A rank whose heartbeat has not moved for this long is lost (killed, frozen, its machine gone):
  // the rank watching it stops the job, naming it. At least 3 heartbeats.
  double lost_after_s = 60.0;
  // Gradients and parameters travel in flat buckets of about this size, as DDP's bucket_cap_mb.
  double bucket_mb = 25.0;
  // "overlap": autograd hooks fire each bucket's all-reduce as soon as its gradients are ready, so
  // communication hides behind the rest of backward; "after_backward": one bucketed all-reduce once
  // backward has finished (the plain reference path, bitwise equal to "overlap").
  std::string grad_sync = "overlap";
  int gloo_threads = 2;  // Gloo's worker threads per process (they run the asynchronous collectives)
  // ZeRO stage 1 (dist/sharded_adamw.h): each rank keeps the AdamW state of 1/W of the parameters.
  // The same parameters as the unsharded run; what a rank holds and sends changes, never the result.
  bool zero1 = false;

  int64_t bucket_bytes() const { return static_cast<int64_t>(bucket_mb * 1024 * 1024); }
};

// "2.5 s", "1800 s": durations in messages.
std::string seconds_text(double s);

// Checks a config built in code (the command line's is checked when parsed) against the rules of
// dist_config_schema.h; throws r1::UsageError naming the key ("dist.timeout_s") and the range.
void validate(const DistConfig& cfg);

}  // namespace r1::dist
