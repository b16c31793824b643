#include "io/quantized_checkpoint.h"

#include <torch/torch.h>

#include "core/error.h"
#include "model/linear.h"
#include "model/quant_linear.h"

namespace r1::io {

namespace {

using nlohmann::json;
using kernels::QuantType;

constexpr int64_t G = kernels::kQuantBlock;

std::string shape_of(const at::Tensor& t) { return c10::str(t.sizes()); }

json group_config(int64_t bits, std::vector<std::string> targets) {
  return {{"targets", targets},
          {"weights",
           {{"num_bits", bits}, {"type", "int"}, {"symmetric", true}, {"strategy", "group"}, {"group_size", G},
            {"dynamic", false}, {"observer", "minmax"}}},
          {"input_activations", nullptr},
          {"output_activations", nullptr}};
}

}  // namespace

TensorMap stored_blocks(QuantType type, const at::Tensor& blocks, const std::string& prefix) {
  check(type == QuantType::q8_0 || type == QuantType::q4_0, prefix,
        std::string("a quantized checkpoint stores q8_0 or q4_0 blocks, not ") + kernels::quant_type_name(type));
  const int64_t out = blocks.size(0), bb = kernels::quant_block_bytes(type), nb = blocks.size(1) / bb;
  const auto b = blocks.contiguous().view({out, nb, bb});                                      // [out, nb, bb]
  const auto scale = b.narrow(2, 0, 2).contiguous().view(torch::kHalf).view({out, nb}).clone();  // [out, nb]
  TensorMap t;
  t[prefix + ".weight_scale"] = scale;
  if (type == QuantType::q8_0) {
    t[prefix + ".weight"] = b.narrow(2, 2, 32).contiguous().view(torch::kInt8).view({out, nb * G}).clone();
    return t;
  }
  // Q4_0: weight j < 16 of a block is the low nibble of byte j, weight j + 16 its high nibble.
  const auto qs = b.narrow(2, 2, 16).to(torch::kInt64);                               // [out, nb, 16]
  const auto q = torch::cat({qs.bitwise_and(15), qs.bitwise_right_shift(4)}, 2);      // [out, nb, 32], q + 8
  const auto eights = q.view({out, nb * G / 8, 8});                                    // input 8k + i
  const auto shifts = torch::arange(8, torch::kInt64).mul(4);                          // [8]
  const auto packed = eights.bitwise_left_shift(shifts).sum(2);                        // [out, in/8], < 2^32
  // Two's complement: values >= 2^31 become the negative int32 with the same bits.
  t[prefix + ".weight_packed"] = (packed - (packed >= (int64_t{1} << 31)).to(torch::kInt64) * (int64_t{1} << 32)).to(torch::kInt);
  t[prefix + ".weight_shape"] = torch::tensor({static_cast<int32_t>(out), static_cast<int32_t>(nb * G)}, torch::kInt);
  return t;
}

at::Tensor blocks_from_stored(QuantType type, const std::function<at::Tensor(const std::string&)>& get,
                              const std::string& prefix, std::vector<std::string>* used) {
  const std::string scale_name = prefix + ".weight_scale";
  const auto scale = get(scale_name);
  if (!scale.defined()) return {};
  check(scale.dim() == 2 && scale.scalar_type() == torch::kHalf, scale_name,
        "must be F16 [out, in/32], got " + std::string(c10::toString(scale.scalar_type())) + " " + shape_of(scale));
  const int64_t out = scale.size(0), nb = scale.size(1), in = nb * G;
  const auto d = scale.contiguous().view(torch::kUInt8).view({out, nb, 2});  // the fp16 bits
  auto note = [&](const std::string& n) {
    if (used) used->push_back(n);
  };
  note(scale_name);
  if (type == QuantType::q8_0) {
    const std::string name = prefix + ".weight";
    const auto w = get(name);
    check(w.defined() && w.scalar_type() == torch::kInt8 && w.dim() == 2 && w.size(0) == out && w.size(1) == in, name,
          "must be I8 [" + std::to_string(out) + ", " + std::to_string(in) + "] beside its weight_scale (int8 layout)" +
              (w.defined() ? ", got " + std::string(c10::toString(w.scalar_type())) + " " + shape_of(w) : ", absent"));
    note(name);
    const auto qs = w.contiguous().view(torch::kUInt8).view({out, nb, G});
    return torch::cat({d, qs}, 2).view({out, nb * kernels::quant_block_bytes(type)});
  }
  check(type == QuantType::q4_0, prefix, std::string("no stored layout for ") + kernels::quant_type_name(type));
  const std::string name = prefix + ".weight_packed";
  const auto p = get(name);
  check(p.defined() && p.scalar_type() == torch::kInt && p.dim() == 2 && p.size(0) == out && p.size(1) == in / 8, name,
        "must be I32 [" + std::to_string(out) + ", " + std::to_string(in / 8) + "] beside its weight_scale (int4 layout)" +
            (p.defined() ? ", got " + std::string(c10::toString(p.scalar_type())) + " " + shape_of(p) : ", absent"));
  note(name);
  if (get(prefix + ".weight_shape").defined()) note(prefix + ".weight_shape");
  const auto shifts = torch::arange(8, torch::kInt64).mul(4);
  const auto q = p.to(torch::kInt64).bitwise_and(int64_t{0xFFFFFFFF}).unsqueeze(2).bitwise_right_shift(shifts).bitwise_and(15)
                     .view({out, nb, G});                                                        // q + 8
  const auto bytes = q.narrow(2, 0, 16).bitwise_or(q.narrow(2, 16, 16).bitwise_left_shift(4)).to(torch::kUInt8);
  return torch::cat({d, bytes}, 2).view({out, nb * kernels::quant_block_bytes(type)});
}

WeightQuant stored_quant(const model::ModelConfig& config, const std::string& where) {
  if (!config.extra.contains("quantization_config")) return WeightQuant::none;
  const json& q = config.extra["quantization_config"];
  if (!q.is_object() || !q.contains("r1_quant")) {
    // Other methods keep today's behaviour (FP8 is dequantized by the loader; the rest fail on their
    // tensor names), except compressed-tensors files r1cpp did not write, whose layout it cannot assume.
    check(!q.is_object() || q.value("quant_method", "") != "compressed-tensors", where,
          "is a compressed-tensors checkpoint r1cpp did not write (no quantization_config.r1_quant); r1cpp reads the "
          "layouts r1 export --quant writes");
    return WeightQuant::none;
  }
  const std::string name = q["r1_quant"].is_string() ? q["r1_quant"].get<std::string>() : "";
  for (const auto& [v, n] : enum_names(WeightQuant{}))
    if (n == name && v != WeightQuant::none) return v;
  throw Error(where, "quantization_config.r1_quant is " + q["r1_quant"].dump() + "; expected \"int8\" or \"int4\"");
}

void save_quantized_model_dir(const std::string& dir, model::CausalLMImpl& m, WeightQuant quant,
                              const CheckpointSaveOptions& opt) {
  check(quant != WeightQuant::none, dir, "save_quantized_model_dir needs quant int8 or int4");
  torch::NoGradGuard ng;
  TensorMap tensors = named_tensors_of(m);  // norms, the bf16 table, dense-kept projections
  std::vector<std::string> quantized, dense;
  model::replace_projections(m, [&](const std::string& name, const model::LinearLayer& layer) -> model::LinearPtr {
    const auto* q = dynamic_cast<const model::QuantLinearImpl*>(&layer);
    if (!q) {
      dense.push_back(name);
      return nullptr;
    }
    for (auto& [k, v] : stored_blocks(q->type(), q->blocks(), name)) tensors[k] = v;
    if (q->dense_bias().defined()) tensors[name + ".bias"] = q->dense_bias();
    quantized.push_back(name);
    return nullptr;
  });
  check(!quantized.empty(), dir, "the model has no quantized projection to save (load it with --quant first)");
  model::ModelConfig config = m.config();
  const bool int4 = quant == WeightQuant::int4;
  json groups = {{"group_0", group_config(int4 ? 4 : 8, {"Linear"})}};
  if (int4) groups["group_1"] = group_config(8, {"lm_head"});  // the head stays Q8_0
  config.extra["quantization_config"] = {
      {"quant_method", "compressed-tensors"},
      {"format", int4 ? "pack-quantized" : "int-quantized"},
      {"quantization_status", "compressed"},
      {"config_groups", groups},
      {"ignore", dense},
      {"r1_quant", int4 ? "int4" : "int8"},
      {"r1_block_format", int4 ? "ggml q4_0 (head q8_0)" : "ggml q8_0"}};
  save_checkpoint(dir, config, tensors, opt);
}

}  // namespace r1::io
