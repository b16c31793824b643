// The config schema of RejectionConfig (core/schema.h): rejection sampling's filters.
#pragma once
#include "core/schema.h"
#include "rl/rejection_sampling.h"

namespace r1::rl {

template <class V>
void visit_fields(V& v, RejectionConfig& c) {
  using namespace r1::schema;
  v.field("language", c.language, "target language of the chain of thought", one_of({"en", "zh"}));
  v.field("min_language", c.min_language, "least language consistency kept; < 0 = off", at_most(1));
  v.field("max_tokens", c.max_tokens, "longest response kept in tokens; 0 = off", at_least(0));
  v.field("max_chars", c.max_chars, "longest response kept in characters; 0 = off", at_least(0));
  v.field("repeat_ngram", c.repeat_ngram, "n of the repetition measure", at_least(1));
  v.field("max_repeat_ratio", c.max_repeat_ratio, "highest repeated-n-gram ratio kept; >= 1 = off", at_least(0));
  v.field("dedup", c.dedup, "drop a response equal to a kept one for the same prompt");
  v.field("max_per_prompt", c.max_per_prompt, "responses kept per prompt at most; 0 = all", at_least(0));
}

}  // namespace r1::rl
