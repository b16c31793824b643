// The config schema of SamplingParams (core/schema.h): temperature, top_p, top_k, max_new_tokens, seed.
#pragma once
#include "core/schema.h"
#include "engine/sampling.h"

namespace r1::engine {

template <class V>
void visit_fields(V& v, SamplingParams& c) {
  using namespace r1::schema;
  v.field("temperature", c.temperature, "sampling temperature; 0 = greedy", at_least(0));
  v.field("top_p", c.top_p, "nucleus: sample from the smallest set of tokens whose probability reaches top_p",
          open_closed(0, 1));
  v.field("top_k", c.top_k, "sample from the k most likely tokens only; 0 = off", at_least(0));
  v.field("max_new_tokens", c.max_new_tokens, "tokens generated per completion at most", at_least(1));
  v.field("seed", c.seed, "sampling seed");
}

}  // namespace r1::engine
