// Engine: the continuous-batching generation engine every caller shares — rollouts and eval through
// generate() (generator.h), and `r1 serve`, whose requests arrive while others run.
//
// A request is a prompt and its options; it becomes `n` sequences ("choices") that share one
// prefill. Each step() admits waiting requests into free batch slots (prefilling their prompts
// once), runs one decode step over the running sequences only, and hands each new token to the
// request's sink. A sequence leaves the batch the step it finishes (stop token, max_new_tokens,
// the context's end, or a sink that returns false), and its slot is free for the next request at
// once: no decode work is spent on finished rows.
//
// Threads: submit(), cancel() and stats() may be called from any thread. step() and
// run_until_idle() are called from one thread at a time — the serving loop's, or the caller of
// generate(). Sinks run on that thread: they must be quick and must not call step().
//
// Reproducibility: choice i of a request draws its tokens from a generator seeded with
// choice_seeds[i] (or derive_seed(sampling.seed, "generate", {i}) when choice_seeds is empty), so a
// sequence's tokens do not depend on which other sequences share its batch. Under greedy decoding a
// request gives the same tokens alone or batched, up to floating-point ties.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/sampling.h"

namespace r1::model {
class CausalLMImpl;
}

namespace r1::engine {

// Config keys, ranges and docs: engine/engine_schema.h.
struct EngineConfig {
  int64_t max_running = 64;   // sequences decoded together (batch slots)
  int64_t max_waiting = 256;  // queued requests beyond the running ones; submit() refuses more
  int64_t max_context = 0;    // prompt + generated tokens per sequence; 0 = the model's max_position_embeddings
  // Fast paths, each with its plain path beside it (tests hold them equal):
  // QKV and gate+up as one matmul each (model::fuse_projections). The model stays fused after the
  // engine ends: the fused weights share the parameters' storage and serve only no-grad passes, so
  // training and checkpoints are unaffected; fuse after moving the model to its device.
  bool fuse_projections = true;
  std::string decode_attention = "kernel";  // "kernel" (a loop per row and head), "broadcast" (multiply-
                                           // and-sum) or "matmul" (the plain path): model/kv_cache.h
};

enum class FinishReason { none, stop, length, cancelled };
const char* finish_reason_name(FinishReason r);  // "stop", "length", "cancelled" ("" for none)

struct RequestOptions {
  SamplingParams sampling;              // temperature, top_p, top_k, max_new_tokens, seed
  int64_t n = 1;                        // choices sharing the prompt's prefill
  std::vector<uint64_t> choice_seeds;   // empty, or n seeds (see Reproducibility above)
  std::vector<int32_t> stop_token_ids;  // a choice stops after emitting one (its event carries it)
  int64_t top_logprobs = 0;             // alternatives reported per token (0 = none)
};

// One generated token of one choice, as the sink sees it.
struct TokenEvent {
  int64_t request_id = 0;
  int64_t choice = 0;        // 0..n-1
  int32_t token = 0;
  float logprob = 0.0f;      // under the distribution it was drawn from (sampling_logprobs)
  std::vector<std::pair<int32_t, float>> top;  // top_logprobs alternatives, best first
  FinishReason finish = FinishReason::none;    // set on the choice's last event
};

// Called for every token in order; returning false cancels that choice (e.g. a text stop string
// matched, or the client went away) and frees its slot. A choice that is cancelled or ends gets
// no further calls after its last event.
using TokenSink = std::function<bool(const TokenEvent&)>;

// Why submit() refused a request; `what` names the limit and both figures.
struct Rejected : std::runtime_error {
  enum class Why { queue_full, prompt_too_long, invalid };
  Why why;
  Rejected(Why w, const std::string& what) : std::runtime_error(what), why(w) {}
};

struct EngineStats {
  int64_t waiting = 0;            // requests queued, not yet admitted
  int64_t running = 0;            // sequences in the batch
  int64_t requests_finished = 0;  // since construction
  int64_t prompt_tokens = 0;      // prefilled
  int64_t generated_tokens = 0;   // sampled, summed over choices
  double busy_seconds = 0.0;      // time spent inside step()
  int64_t decode_steps = 0;       // decode forwards run
  int64_t decoded_rows = 0;       // rows fed through them, summed: a finished row is never decoded
};

class Engine {
 public:
  Engine(model::CausalLMImpl& model, EngineConfig cfg);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a request and returns its id. Throws Rejected when the queue is full, when prompt plus
  // max_new_tokens exceeds max_context, or for an empty prompt / n < 1.
  int64_t submit(std::vector<int32_t> prompt, RequestOptions opts, TokenSink sink);
  // Ends every choice of request `id` at the next step (its sinks get no more calls). Unknown or
  // finished ids are ignored.
  void cancel(int64_t id);

  // Admits what fits, runs one decode step; returns false when nothing is waiting or running.
  bool step();
  void run_until_idle() {
    while (step()) {
    }
  }

  EngineStats stats() const;
  const EngineConfig& config() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace r1::engine
