// The config schema of EngineConfig (core/schema.h): batch slots, queue, context, fast paths.
#pragma once
#include "core/schema.h"
#include "engine/engine.h"

namespace r1::engine {

template <class V>
void visit_fields(V& v, EngineConfig& c) {
  using namespace r1::schema;
  v.field("max_running", c.max_running, "sequences decoded together (batch slots); a request's n choices need n",
          at_least(1) | kNotResult);
  v.field("max_waiting", c.max_waiting,
          "requests queued beyond the running ones (each waits until the next step admits it); more are refused",
          at_least(1) | kNotResult);
  v.field("max_context", c.max_context,
          "prompt plus generated tokens per sequence at most; 0 = the model's max_position_embeddings", at_least(0));
  v.field("fuse_projections", c.fuse_projections,
          "run q/k/v and gate/up as one matmul each (weights fused once, shared with the model's parameters)",
          kNotResult);
  v.field("decode_attention", c.decode_attention,
          "decode-step attention: kernel (one loop per row and head), broadcast (multiply-and-sum) or matmul "
          "(the plain path)",
          one_of({"kernel", "broadcast", "matmul"}) | kNotResult);
}

}  // namespace r1::engine
