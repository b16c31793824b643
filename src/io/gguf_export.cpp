#include "io/gguf_export.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/files.h"
#include "core/json_file.h"
#include "io/gguf_file.h"
#include "io/gguf_names.h"
#include "io/gguf_vocab.h"
#include "io/hf_config.h"
#include "io/quantized_checkpoint.h"
#include "io/safetensors.h"

namespace r1::io::gguf {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Metadata = std::vector<std::pair<std::string, Value>>;

json read_json(const fs::path& p, bool required) {
  if (!fs::exists(p)) {
    check(!required, p.string(), "missing");
    return nullptr;
  }
  return read_json_file(p.string());
}

// config.json fields, checked where they are read.
class Config {
 public:
  Config(json j, std::string where) : j_(std::move(j)), where_(std::move(where)) {}
  const json& raw() const { return j_; }
  bool has(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }
  int64_t integer(const char* key) const {
    check(has(key) && j_[key].is_number_integer(), where_ + ": field " + key, "missing or not an integer");
    return j_[key].get<int64_t>();
  }
  int64_t integer(const char* key, int64_t fallback) const { return has(key) ? integer(key) : fallback; }
  double number(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    check(j_[key].is_number(), where_ + ": field " + key, "not a number");
    return j_[key].get<double>();
  }
  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    check(j_[key].is_boolean(), where_ + ": field " + key, "not a boolean");
    return j_[key].get<bool>();
  }
  std::string string(const char* key) const {
    check(has(key) && j_[key].is_string(), where_ + ": field " + key, "missing or not a string");
    return j_[key].get<std::string>();
  }

 private:
  json j_;
  std::string where_;
};

uint32_t file_type_id(const std::string& type) {  // llama_ftype (auto: export_gguf resolves it first)
  if (type == "f32") return 0;
  if (type == "f16") return 1;
  if (type == "q4_0") return 2;
  if (type == "q4_1") return 3;
  if (type == "q8_0") return 7;
  return 32;  // bf16
}

TensorType matrix_type(const std::string& type) {
  if (type == "f32") return TensorType::f32;
  if (type == "f16") return TensorType::f16;
  if (type == "bf16") return TensorType::bf16;
  if (type == "q8_0") return TensorType::q8_0;
  if (type == "q4_0") return TensorType::q4_0;
  if (type == "q4_1") return TensorType::q4_1;
  throw Error("--type", "unknown GGUF tensor type '" + type + "' (expected auto, f32, f16, bf16, q8_0, q4_0 or q4_1)");
}

// convert_hf_to_gguf.py LlamaModel.permute: HF stores each head's rotary pairs as (i, i + D/2);
// llama.cpp's llama architecture rotates adjacent pairs (2i, 2i + 1). Rows [H * D, ...] are viewed as
// [H, 2, D/2, ...] and the two middle axes swapped.
at::Tensor llama_permute(const at::Tensor& w, int64_t heads, const std::string& where) {
  check(w.size(0) % (2 * heads) == 0, where, "rows " + std::to_string(w.size(0)) + " are not heads x even head_dim");
  std::vector<int64_t> view = {heads, 2, w.size(0) / heads / 2};
  for (int64_t d = 1; d < w.dim(); ++d) view.push_back(w.size(d));
  return w.reshape(view).transpose(1, 2).reshape(w.sizes()).contiguous();
}

// convert_hf_to_gguf.py LlamaModel.generate_extra_tensors: llama3 rope scaling as per-frequency
// factors, [head_dim / 2].
at::Tensor llama3_rope_factors(const Config& c, const json& rs, int64_t head_dim) {
  const double base = c.number("rope_theta", 10000.0);
  const double factor = rs.value("factor", 8.0), low = rs.value("low_freq_factor", 1.0), high = rs.value("high_freq_factor", 4.0);
  const double old_ctx = rs.value("original_max_position_embeddings", c.number("original_max_position_embeddings", 8192.0));
  const double low_wavelen = old_ctx / low, high_wavelen = old_ctx / high;
  at::Tensor out = at::empty({head_dim / 2}, at::kFloat);
  for (int64_t i = 0; i < head_dim / 2; ++i) {
    const float freq = static_cast<float>(1.0 / std::pow(base, static_cast<double>(2 * i) / static_cast<double>(head_dim)));
    const double wavelen = 2 * M_PI / freq;
    double f;
    if (wavelen < high_wavelen) {
      f = 1;
    } else if (wavelen > low_wavelen) {
      f = factor;
    } else {
      const double smooth = (old_ctx / wavelen - low) / (high - low);
      f = 1 / ((1 - smooth) / factor + smooth);
    }
    out[i] = static_cast<float>(f);
  }
  return out;
}

struct Planned {
  std::string name;
  at::Tensor data;          // values, or (blocks) uint8 [rows, row_bytes] written as they are
  TensorType type;
  int64_t block_cols = 0;   // > 0: `data` holds stored blocks of rows this many weights wide
};

// The GGUF type a float tensor is stored in, kept as it is when exporting a quantized checkpoint.
TensorType stored_float_type(const at::Tensor& t, const std::string& where) {
  if (t.scalar_type() == at::kFloat) return TensorType::f32;
  if (t.scalar_type() == at::kBFloat16) return TensorType::bf16;
  if (t.scalar_type() == at::kHalf) return TensorType::f16;
  throw Error(where, std::string("is ") + c10::toString(t.scalar_type()) + ", not a float type");
}

}  // namespace

ExportSummary export_gguf(const std::string& model_dir, const std::string& out_path, const ExportOptions& opt) {
  const fs::path dir(model_dir);
  const Config c(read_json(dir / "config.json", true), (dir / "config.json").string());
  const std::string model_type = c.string("model_type");
  check(model_type == "qwen2" || model_type == "llama", (dir / "config.json").string() + ": field model_type",
        "'" + model_type + "': GGUF export supports qwen2 and llama checkpoints (deepseek_v3 is not written yet)");
  // A quantized checkpoint (r1 export --format safetensors --quant) is written as it stores its
  // blocks: int8 as q8_0, int4 as q4_0 with the q8_0 head.
  const WeightQuant stored = stored_quant(config_from_hf(c.raw(), (dir / "config.json").string()), model_dir);
  const std::string stored_type = stored == WeightQuant::int8 ? "q8_0" : stored == WeightQuant::int4 ? "q4_0" : "";
  if (!stored_type.empty())
    check(opt.type == "auto" || opt.type == stored_type, "--type",
          opt.type + ": " + model_dir + " stores " + (stored == WeightQuant::int8 ? "int8" : "int4") +
              " blocks, which export bit for bit as " + stored_type + " (--type auto); another type would round twice: "
              "export the original checkpoint instead");
  const std::string type_name = !stored_type.empty() ? stored_type : opt.type == "auto" ? "f16" : opt.type;
  const TensorType wanted = matrix_type(type_name);
  const std::string arch = model_type;
  const int64_t n_layer = c.integer("num_hidden_layers"), n_embd = c.integer("hidden_size");
  const int64_t n_head = c.integer("num_attention_heads"), n_head_kv = c.integer("num_key_value_heads", n_head);
  const int64_t head_dim = c.integer("head_dim", n_embd / n_head), vocab = c.integer("vocab_size");
  const bool tied = c.boolean("tie_word_embeddings", false);
  const json rope_scaling = c.has("rope_scaling") ? c.raw()["rope_scaling"] : json::object();
  const std::string rope_type = rope_scaling.value("rope_type", rope_scaling.value("type", std::string("default")));

  Metadata kv;
  const auto u32 = [](int64_t v) { return Value::u32(static_cast<uint32_t>(v)); };
  const auto f32 = [](double v) { return Value::f32(static_cast<float>(v)); };
  kv.emplace_back("general.architecture", Value::string(arch));
  kv.emplace_back("general.type", Value::string("model"));
  std::string name = dir.filename().string();
  if (name.empty() || name == ".") name = dir.parent_path().filename().string();
  kv.emplace_back("general.name", Value::string(name));
  kv.emplace_back(arch + ".block_count", u32(n_layer));
  kv.emplace_back(arch + ".context_length", u32(c.integer("max_position_embeddings", model_type == "qwen2" ? 32768 : 2048)));
  kv.emplace_back(arch + ".embedding_length", u32(n_embd));
  kv.emplace_back(arch + ".feed_forward_length", u32(c.integer("intermediate_size")));
  kv.emplace_back(arch + ".attention.head_count", u32(n_head));
  kv.emplace_back(arch + ".attention.head_count_kv", u32(n_head_kv));
  kv.emplace_back(arch + ".rope.freq_base", f32(c.number("rope_theta", 10000.0)));
  kv.emplace_back(arch + ".attention.layer_norm_rms_epsilon", f32(c.number("rms_norm_eps", 1e-6)));
  if (c.has("head_dim")) {
    kv.emplace_back(arch + ".attention.key_length", u32(head_dim));
    kv.emplace_back(arch + ".attention.value_length", u32(head_dim));
  }
  if (arch == "llama") {
    kv.emplace_back(arch + ".vocab_size", u32(vocab));
    kv.emplace_back(arch + ".rope.dimension_count", u32(head_dim));
  }
  if (rope_type == "linear" || rope_type == "yarn") {
    kv.emplace_back(arch + ".rope.scaling.type", Value::string(rope_type));
    kv.emplace_back(arch + ".rope.scaling.factor", f32(rope_scaling.value("factor", 1.0)));
    if (rope_type == "yarn")
      kv.emplace_back(arch + ".rope.scaling.original_context_length",
                      u32(rope_scaling.value("original_max_position_embeddings", int64_t{4096})));
  } else {
    check(rope_type == "default" || (rope_type == "llama3" && arch == "llama"),
          (dir / "config.json").string() + ": field rope_scaling", "rope type '" + rope_type + "' has no GGUF form here");
  }
  kv.emplace_back("general.file_type", Value::u32(file_type_id(type_name)));
  kv.emplace_back("general.quantization_version", Value::u32(2));

  VocabSources vs;
  vs.tokenizer = read_json(dir / "tokenizer.json", true);
  vs.tokenizer_config = read_json(dir / "tokenizer_config.json", false);
  vs.config = c.raw();
  vs.vocab_size = vocab;
  vs.pre_tokenizer = opt.pre_tokenizer;
  vs.where = model_dir;
  for (auto& e : vocab_metadata(vs)) kv.push_back(std::move(e));

  // The checkpoint's tensors by GGUF name, as zero-copy views of the mapped files; a quantized
  // checkpoint's projections as their blocks (uint8 [out, row_bytes]), with the logical width.
  const MappedTensors mapped = open_safetensors(model_dir);
  const auto get = [&](const std::string& n) {
    auto f = mapped.file_of.find(n);
    return f == mapped.file_of.end() ? at::Tensor() : f->second->tensor(n);
  };
  std::map<std::string, at::Tensor> by_gguf;
  std::map<std::string, int64_t> block_cols;  // GGUF name -> weights per row, for stored blocks
  std::set<std::string> taken;                // HF names read as part of stored blocks
  const auto permute_llama = [&](const std::string& hf, at::Tensor t, const std::string& where) {
    if (arch == "llama" && (hf.find("self_attn.q_proj.") != std::string::npos || hf.find("self_attn.k_proj.") != std::string::npos))
      t = llama_permute(t, hf.find("q_proj") != std::string::npos ? n_head : n_head_kv, where);
    return t;
  };
  if (stored != WeightQuant::none) {
    const std::string suffix = ".weight_scale";
    for (const auto& [hf, file] : mapped.file_of) {
      if (hf.size() <= suffix.size() || hf.compare(hf.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
      const std::string layer = hf.substr(0, hf.size() - suffix.size());
      const auto type = layer == "lm_head" || stored == WeightQuant::int8 ? kernels::QuantType::q8_0 : kernels::QuantType::q4_0;
      std::vector<std::string> used;
      at::Tensor blocks = blocks_from_stored(type, get, layer, &used);
      taken.insert(used.begin(), used.end());
      // A tied head is stored apart from the bf16 table (lm_head.*): it becomes output.weight, so the
      // table and the head both keep their stored bits.
      const std::string g = gguf_tensor_name(layer + ".weight");
      check(!g.empty(), model_dir + ": tensor '" + hf + "'", "has no GGUF name (export knows the Qwen2/Llama tensors of io/gguf_names.h)");
      by_gguf[g] = permute_llama(layer + ".weight", blocks, model_dir + ": tensor '" + hf + "'");
      block_cols[g] = blocks.size(1) / kernels::quant_block_bytes(type) * kernels::kQuantBlock;
    }
  }
  for (const auto& [hf, file] : mapped.file_of) {
    const std::string where = model_dir + ": tensor '" + hf + "'";
    if (taken.count(hf)) continue;
    if (hf.size() >= 20 && hf.compare(hf.size() - 20, 20, "rotary_emb.inv_freq") == 0) continue;  // recomputed by llama.cpp
    if (hf == "lm_head.weight" && tied) continue;
    const std::string g = gguf_tensor_name(hf);
    check(!g.empty(), where, "has no GGUF name (export knows the Qwen2/Llama tensors of io/gguf_names.h)");
    by_gguf[g] = permute_llama(hf, file->tensor(hf), where);
  }

  check(by_gguf.count("token_embd.weight") == 1, model_dir, "has no model.embed_tokens.weight");
  std::vector<Planned> plan;
  if (rope_type == "llama3") plan.push_back({"rope_freqs.weight", llama3_rope_factors(c, rope_scaling, head_dim), TensorType::f32});
  for (const std::string& g : gguf_tensor_order(n_layer)) {
    auto it = by_gguf.find(g);
    if (it == by_gguf.end()) continue;
    const at::Tensor& t = it->second;
    if (auto b = block_cols.find(g); b != block_cols.end()) {
      const bool head = g == "output.weight";
      plan.push_back({g, t, head ? TensorType::q8_0 : wanted, b->second});
      by_gguf.erase(it);
      continue;
    }
    const bool head = g == "output.weight" || (tied && g == "token_embd.weight");
    TensorType type = wanted;
    if (stored != WeightQuant::none && t.dim() > 1) {
      type = stored_float_type(t, model_dir + ": tensor for '" + g + "'");  // the table, projections kept dense
    } else if (t.dim() <= 1 || g.find("_norm.weight") != std::string::npos) {
      type = TensorType::f32;
    } else if (head && (wanted == TensorType::q4_0 || wanted == TensorType::q4_1)) {
      type = TensorType::q8_0;
    }
    if (tensor_type_block(type) > 1 && t.size(-1) % tensor_type_block(type) != 0) type = TensorType::f16;
    plan.push_back({g, t, type});
    by_gguf.erase(it);
  }
  check(by_gguf.empty(), model_dir, "tensor '" + (by_gguf.empty() ? "" : by_gguf.begin()->first) +
                                        "' is beyond num_hidden_layers = " + std::to_string(n_layer));

  std::vector<TensorInfo> infos;
  ExportSummary summary;
  summary.arch = arch;
  for (const auto& p : plan) {
    TensorInfo i;
    i.name = p.name;
    i.ne.assign(p.data.sizes().rbegin(), p.data.sizes().rend());
    if (p.block_cols > 0) i.ne = {p.block_cols, p.data.size(0)};
    i.type = p.type;
    infos.push_back(std::move(i));
    ++summary.by_type[tensor_type_name(p.type)];
  }
  GgufWriter w(out_path, std::move(kv), std::move(infos));
  for (const auto& p : plan) {
    if (p.block_cols > 0) {
      const at::Tensor b = p.data.contiguous();
      w.write(p.name, b.data_ptr(), static_cast<size_t>(b.numel()));
    } else {
      write_tensor(w, p.name, p.data, p.type);
    }
  }
  w.commit();
  summary.tensors = static_cast<int64_t>(plan.size());
  summary.file_bytes = fs::file_size(out_path);
  return summary;
}

}  // namespace r1::io::gguf
