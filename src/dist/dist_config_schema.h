// The config schema of DistConfig (core/schema.h): `dist.*` in every command that joins a job. None
// of these keys changes what a run computes (the reference and overlapped gradient paths are held
// bitwise equal), so a run may resume under other values.
#pragma once
#include "core/schema.h"
#include "dist/dist_config.h"

namespace r1::dist {

template <class V>
void visit_fields(V& v, DistConfig& c) {
  using namespace r1::schema;
  v.field("backend", c.backend, "auto: NCCL with a CUDA build and a visible GPU, else Gloo",
          one_of({"auto", "gloo", "nccl"}) | kNotResult);
  v.field("timeout_s", c.timeout_s, "the longest a rank waits for the others (rendezvous, each collective)",
          above(0) | kNotResult);
  v.field("heartbeat_s", c.heartbeat_s, "seconds between watchdog heartbeats; 0 = no watch", at_least(0) | kNotResult);
  v.field("lost_after_s", c.lost_after_s, "a rank whose heartbeat has not moved for this long is lost",
          above(0) | kNotResult);
  v.field("bucket_mb", c.bucket_mb, "gradient and parameter bucket size (DDP's bucket_cap_mb)", above(0) | kNotResult);
  v.field("grad_sync", c.grad_sync,
          "overlap: each bucket's all-reduce fires during backward; after_backward: one pass after it",
          one_of({"overlap", "after_backward"}) | kNotResult);
  v.field("gloo_threads", c.gloo_threads, "Gloo's worker threads per process", at_least(1) | kNotResult);
  v.field("zero1", c.zero1, "ZeRO-1: shard the AdamW state across the ranks (the same result)", kNotResult);
  v.require(c.heartbeat_s == 0 || c.lost_after_s >= 3 * c.heartbeat_s, "lost_after_s",
            "must be at least 3 heartbeats (3 x dist.heartbeat_s)");
}

}  // namespace r1::dist
