// Right-padded token batches with a per-token loss mask, for language-model training (pretraining,
// SFT with loss on response tokens only) and for scoring GRPO completions.
#pragma once
#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace r1::train {

struct Example {
  std::vector<int32_t> ids;
  std::vector<uint8_t> loss_mask;  // per token: 1 = predict this token; empty = all ones
};

struct TokenBatch {
  at::Tensor inputs;   // [B, T] int64: ids[:-1]
  at::Tensor targets;  // [B, T] int64: ids[1:]
  at::Tensor mask;     // [B, T] float: loss_mask of the target token, 0 on padding
  at::Tensor valid;    // [B, T] bool: a real input token (false on the right padding), for the model's
                       // forward, so MoE routing and expert loads ignore padding
  int64_t tokens() const;  // number of loss tokens
};

// Pads with pad_id to the longest example; the first token of each example is never a target.
TokenBatch make_batch(const std::vector<Example>& examples, int64_t pad_id, const at::Device& device);

}  // namespace r1::train
