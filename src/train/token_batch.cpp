#include "train/token_batch.h"

#include <algorithm>

#include "core/error.h"

namespace r1::train {

int64_t TokenBatch::tokens() const { return static_cast<int64_t>(mask.sum().item<double>()); }

TokenBatch make_batch(const std::vector<Example>& examples, int64_t pad_id, const at::Device& device) {
  check(!examples.empty(), "make_batch", "no examples");
  size_t L = 0;
  for (const auto& e : examples) {
    check(e.ids.size() >= 2, "make_batch", "an example needs at least 2 tokens");
    check(e.loss_mask.empty() || e.loss_mask.size() == e.ids.size(), "make_batch", "loss_mask length != ids length");
    L = std::max(L, e.ids.size());
  }
  const int64_t B = examples.size(), T = static_cast<int64_t>(L) - 1;
  std::vector<int64_t> in(B * T, pad_id), tg(B * T, pad_id);
  std::vector<float> mk(B * T, 0.f);
  std::vector<uint8_t> real(B * T, 0);
  for (int64_t b = 0; b < B; ++b) {
    const auto& e = examples[b];
    for (size_t t = 0; t + 1 < e.ids.size(); ++t) {
      in[b * T + t] = e.ids[t];
      tg[b * T + t] = e.ids[t + 1];
      real[b * T + t] = 1;
      mk[b * T + t] = e.loss_mask.empty() ? 1.f : static_cast<float>(e.loss_mask[t + 1]);
    }
  }
  auto opts = at::TensorOptions().dtype(at::kLong);
  return {at::tensor(in, opts).view({B, T}).to(device), at::tensor(tg, opts).view({B, T}).to(device),
          at::tensor(mk, at::TensorOptions().dtype(at::kFloat)).view({B, T}).to(device),
          at::tensor(real, at::TensorOptions().dtype(at::kByte)).view({B, T}).to(at::kBool).to(device)};
}

}  // namespace r1::train
