#include "model/mtp.h"

#include <torch/nn/functional/loss.h>

namespace r1::model {

std::vector<MTPLayerImpl*> mtp_layers(CausalLMImpl& model) {
  std::vector<MTPLayerImpl*> out;
  if (auto* v3 = dynamic_cast<DeepseekV3ForCausalLMImpl*>(&model))
    for (const auto& layer : v3->mtp_layers()) out.push_back(layer.ptr().get());
  return out;
}

torch::Tensor mtp_loss(CausalLMImpl& model, const torch::Tensor& ids, const torch::Tensor& hidden,
                       const torch::Tensor& valid_in, const torch::Tensor& target_in) {
  const auto B = ids.size(0), T = ids.size(1);
  auto layers = mtp_layers(model);
  auto total = torch::zeros({}, hidden.options());
  if (layers.empty()) return total;
  auto valid = valid_in.defined() ? valid_in.to(torch::kBool)
                                  : torch::ones({B, T}, torch::dtype(torch::kBool).device(ids.device()));
  auto target = target_in.defined() ? target_in.to(torch::kBool) & valid : valid;
  auto h = hidden;
  for (int64_t k = 1; k <= static_cast<int64_t>(layers.size()); ++k) {
    const int64_t L = T - k;  // positions i = 0..L-1 have an input token t_{i+k}
    if (L < 2) break;         // and i = 0..L-2 a target t_{i+k+1}
    auto v = valid.narrow(1, 0, L) & valid.narrow(1, k, L);                   // [B, L] h_i and t_{i+k} real
    auto in = model.uncached_layer_input(v);
    auto emb = model.embed(ids.narrow(1, k, L));                              // [B, L, C]
    h = layers[k - 1]->forward_mtp(h.narrow(1, 0, L), emb, in);              // [B, L, C]
    auto logits = model.logits(layers[k - 1]->shared_head->norm(h.narrow(1, 0, L - 1)));  // [B, L-1, V]
    auto ce = torch::nn::functional::cross_entropy(
                  logits.reshape({-1, logits.size(-1)}), ids.narrow(1, k + 1, L - 1).reshape({-1}),
                  torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone))
                  .view({B, L - 1});
    auto counted = (v.narrow(1, 0, L - 1) & target.narrow(1, k + 1, L - 1)).to(ce.scalar_type());
    total = total + (ce * counted).sum() / counted.sum().clamp_min(1.0);
  }
  return total * (model.config().deepseek_v3->mtp_loss_weight / static_cast<double>(layers.size()));
}

}  // namespace r1::model
