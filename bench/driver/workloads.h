// The r1cpp side of each workload `make bench` compares with a peer, run through the code paths the
// project itself uses (engine::generate for rollouts and decode, train::train_lm_from for training),
// on a checkpoint directory the peer loads too. bench/peers/torch_eager.py is the other side: keep
// the two in step (prompts, step shapes, optimizer, what is timed).
#pragma once
#include <cstdint>
#include <vector>

#include "model/causal_lm.h"

namespace r1::bench {

// The prompts of every rollout workload: prompt i, position t holds (i*31 + t*7) % (V - 1), so
// the last token of the vocabulary (the stop token of demo_long) never occurs in a prompt.
std::vector<std::vector<int32_t>> bench_prompts(int64_t count, int64_t length, int64_t vocab);

struct RolloutSpec {
  int64_t prompts = 8;          // distinct prompts, each prefilled once
  int64_t group = 8;            // G samples per prompt
  int64_t prompt_len = 16;
  int64_t new_tokens = 48;      // max_new_tokens
  int64_t stop_token = -1;      // >= 0: a row ends after sampling it
  int64_t workers = 1;          // engine calls in parallel threads, each on prompts / workers prompts
  double min_seconds = 3.0;     // repeat (after one warm-up) until this much time is measured
};

struct RolloutResult {
  double tokens_per_s = 0;      // generated tokens (up to and including a stop) per wall second
  int64_t reps = 0;
  double mean_length = 0;       // generated tokens per row
  double stopped_fraction = 0;  // rows that ended on the stop token
};

RolloutResult run_rollout(model::CausalLMImpl& m, const RolloutSpec& s);

struct TrainSpec {
  int64_t batch = 64;
  int64_t seq = 40;             // input tokens per row (rows of seq + 1 ids)
  int64_t steps = 3;            // timed optimizer steps, after one warm-up step
};

struct TrainResult {
  double tokens_per_s = 0;
  double seconds_per_step = 0;
};

// Forward, cross-entropy over every token, backward, grad-norm clip at 1, AdamW (lr 1e-3, betas
// 0.9/0.95, weight decay 0.01): the pretraining step of train/lm_trainer.
TrainResult run_train(model::CausalLMImpl& m, const TrainSpec& s);

struct DecodeResult {
  double tokens_per_s = 0;      // batch-1 greedy decode, prefill excluded
  std::vector<int32_t> tokens;  // the greedy continuation (for the llama.cpp parity check)
};

// Greedy decode of `new_tokens` after prompt 0 of bench_prompts(1, prompt_len, V): the time of a
// 1-token generation (prefill + first token) is subtracted, so the rate is decode steps only.
DecodeResult run_decode(model::CausalLMImpl& m, int64_t prompt_len, int64_t new_tokens);

}  // namespace r1::bench
