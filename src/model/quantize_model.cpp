#include "model/quantize_model.h"

#include <torch/torch.h>

#include <set>

#include "core/error.h"

namespace r1::model {

namespace {

const std::string kEmbed = "model.embed_tokens.weight";

bool quantizable(int64_t in) { return in % kernels::kQuantBlock == 0; }

std::string shape_str(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

}  // namespace

QuantizeReport quantize_for_inference(CausalLMImpl& model, const QuantizeOptions& opt, const WeightSource& source) {
  torch::NoGradGuard no_grad;
  QuantizeReport rep;
  const auto head_type = opt.head_type.value_or(opt.type);
  const auto done = [&](const std::string& name) {
    if (source.done) source.done(name);
  };
  // One projection [in -> out] from the tensors weight_name (and bias_name unless empty).
  const auto make = [&](const std::string& layer, const std::string& weight_name, const std::string& bias_name,
                        int64_t in, int64_t out, bool release) -> LinearPtr {
    const auto type = layer == "lm_head" ? head_type : opt.type;
    if (!quantizable(in)) {
      rep.kept_dense.push_back(layer);
      return nullptr;
    }
    torch::Tensor b;
    if (!bias_name.empty()) {
      b = source.get(bias_name);
      check(b.defined(), bias_name, "is missing from the checkpoint");
    }
    // Stored blocks as they are; otherwise the weight, quantized now (or left dense).
    auto blocks = source.blocks ? source.blocks(layer, type) : StoredBlocks{};
    if (!blocks.data.defined() && !opt.quantize_unquantized) {
      rep.kept_dense.push_back(layer);
      return nullptr;
    }
    std::shared_ptr<QuantLinearImpl> q;
    if (blocks.data.defined()) {
      check(blocks.data.size(0) == out, layer,
            "holds " + std::to_string(blocks.data.size(0)) + " quantized rows, the model expects " + std::to_string(out));
      q = QuantLinearImpl::from_blocks(blocks.type, in, blocks.data, b, opt.linear, layer);
      blocks.data = torch::Tensor();
      for (const auto& n : blocks.tensors) done(n);
    } else {
      auto w = source.get(weight_name);
      check(w.defined(), weight_name, "is missing from the checkpoint");
      check(w.dim() == 2 && w.size(0) == out && w.size(1) == in, weight_name,
            "has shape " + shape_str(w) + ", the model expects [" + std::to_string(out) + ", " + std::to_string(in) +
                "]");
      q = std::make_shared<QuantLinearImpl>(type, w, b, opt.linear, weight_name);
      w = torch::Tensor();
      if (release) done(weight_name);
    }
    b = torch::Tensor();
    if (release && !bias_name.empty()) done(bias_name);
    rep.quantized.push_back(layer);
    rep.quantized_weights += in * out;
    rep.quantized_bytes += q->weight_bytes();
    return q;
  };

  // The table and a tied head first: a loader's peak memory is then the quantized model plus one
  // projection's mapped pages, not plus the table's (the largest tensor, 1.1 GB in a 7B model).
  const auto& cfg = model.config();
  if (!model.lm_head) {  // tied: the head gets its own quantized copy of the table
    if (auto head = make("lm_head", kEmbed, "", cfg.hidden_size, cfg.vocab_size, false))
      model.replace_projection("lm_head", head);
  }
  // A table a dense tied head still multiplies with keeps the compute dtype.
  if (opt.bf16_embeddings && model.lm_head) {
    auto& table = model.model->embed_tokens->weight;
    auto src = source.get(kEmbed);
    check(src.defined(), kEmbed, "is missing from the checkpoint");
    check(src.sizes() == table.sizes(), kEmbed,
          "has shape " + shape_str(src) + ", the model expects " + shape_str(table));
    table.set_data(src.to(torch::kBFloat16, /*non_blocking=*/false, /*copy=*/true));
    table.set_requires_grad(false);
    src = torch::Tensor();
    done(kEmbed);
  }
  replace_projections(model, [&](const std::string& name, const LinearLayer& layer) -> LinearPtr {
    if (dynamic_cast<const QuantLinearImpl*>(&layer)) return nullptr;  // the tied head, made above
    const bool bias = layer.dense_bias().defined();
    return make(name, name + ".weight", bias ? name + ".bias" : "", layer.in_features(), layer.out_features(), true);
  });
  return rep;
}

QuantizeReport quantize_for_inference(CausalLMImpl& model, const QuantizeOptions& opt) {
  auto params = model.named_parameters();
  WeightSource own;
  own.get = [&](const std::string& name) {
    const auto* t = params.find(name);
    return t ? *t : torch::Tensor();
  };
  return quantize_for_inference(model, opt, own);
}

int64_t quantized_weight_bytes(CausalLMImpl& model, const QuantizeOptions& opt) {
  const auto head_type = opt.head_type.value_or(opt.type);
  int64_t bytes = 0;
  std::set<std::string> counted;
  replace_projections(model, [&](const std::string& name, const LinearLayer& layer) -> LinearPtr {
    if (quantizable(layer.in_features())) {
      bytes += layer.out_features() *
               kernels::quant_row_bytes(name == "lm_head" ? head_type : opt.type, layer.in_features());
      counted.insert(name + ".weight");
    }
    return nullptr;  // count only
  });
  const auto& cfg = model.config();
  // The table is bf16 unless a dense tied head still multiplies with it.
  bool head_separate = static_cast<bool>(model.lm_head);
  if (!model.lm_head && quantizable(cfg.hidden_size)) {
    bytes += cfg.vocab_size * kernels::quant_row_bytes(head_type, cfg.hidden_size);
    head_separate = true;
  }
  for (const auto& p : model.named_parameters()) {
    if (counted.count(p.key())) continue;
    bytes += p.value().numel() * (p.key() == kEmbed && head_separate ? 2 : 4);
  }
  return bytes;
}

}  // namespace r1::model
