#include "io/gguf_import.h"

#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "io/gguf_names.h"
#include "io/gguf_rows.h"

namespace r1::io::gguf {
namespace {

using json = nlohmann::json;

// The shortest decimal that reads back as the same float: GGUF stores f32, config.json wants 1e-06,
// not 9.99999997e-07.
double shortest(double f32_value) {
  const float f = static_cast<float>(f32_value);
  char buf[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(f));
    if (std::strtof(buf, nullptr) == f) return std::strtod(buf, nullptr);
  }
  return f;
}

// The inverse of io/gguf_export.cpp's llama_permute, on dim 0 (rows) of `w`: [H, D/2, 2, ...] with
// the middle axes swapped back. Rows of quantized blocks permute the same way.
at::Tensor llama_unpermute(const at::Tensor& w, int64_t heads, const std::string& where) {
  check(w.size(0) % (2 * heads) == 0, where, "rows " + std::to_string(w.size(0)) + " are not heads x even head_dim");
  std::vector<int64_t> view = {heads, w.size(0) / heads / 2, 2};
  for (int64_t d = 1; d < w.dim(); ++d) view.push_back(w.size(d));
  return w.reshape(view).transpose(1, 2).reshape(w.sizes()).contiguous();
}

}  // namespace

json hf_config_of(const Header& h, const std::string& path) {
  const std::string arch = h.at("general.architecture", path).as_string(path + ": key general.architecture");
  check(arch == "qwen2" || arch == "llama", path + ": key general.architecture",
        "'" + arch + "': import supports qwen2 and llama");
  auto get_int = [&](const std::string& key) { return h.at(key, path).as_int(path + ": key " + key); };
  auto get_num = [&](const std::string& key) { return h.at(key, path).as_double(path + ": key " + key); };
  auto has = [&](const std::string& key) { return h.find(key) != nullptr; };

  const int64_t n_head = get_int(arch + ".attention.head_count");
  const int64_t n_head_kv = has(arch + ".attention.head_count_kv") ? get_int(arch + ".attention.head_count_kv") : n_head;
  check(h.tensor("rope_freqs.weight") == nullptr, path + ": tensor 'rope_freqs.weight'",
        "llama3 rope factors cannot be turned back into config.json's rope_scaling");
  const TensorInfo* embd_p = h.tensor("token_embd.weight");
  check(embd_p != nullptr, path + ": tensor 'token_embd.weight'", "not in this file");
  const TensorInfo& embd = *embd_p;
  json c = {{"model_type", arch},
            {"architectures", {arch == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"}},
            {"vocab_size", embd.ne.size() == 2 ? embd.ne[1] : 0},
            {"hidden_size", get_int(arch + ".embedding_length")},
            {"intermediate_size", get_int(arch + ".feed_forward_length")},
            {"num_hidden_layers", get_int(arch + ".block_count")},
            {"num_attention_heads", n_head},
            {"num_key_value_heads", n_head_kv},
            {"max_position_embeddings", get_int(arch + ".context_length")},
            {"rms_norm_eps", shortest(get_num(arch + ".attention.layer_norm_rms_epsilon"))},
            {"rope_theta", shortest(get_num(arch + ".rope.freq_base"))},
            {"tie_word_embeddings", h.tensor("output.weight") == nullptr},
            {"attention_bias", h.tensor("blk.0.attn_q.bias") != nullptr},
            {"hidden_act", "silu"},
            {"torch_dtype", "float32"}};
  if (has(arch + ".attention.key_length")) c["head_dim"] = get_int(arch + ".attention.key_length");
  for (const auto& [key, hf] : {std::pair{"bos", "bos_token_id"}, std::pair{"eos", "eos_token_id"}})
    if (has(std::string("tokenizer.ggml.") + key + "_token_id")) c[hf] = get_int(std::string("tokenizer.ggml.") + key + "_token_id");
  if (has(arch + ".rope.scaling.type")) {
    const std::string type = h.at(arch + ".rope.scaling.type", path).as_string(path + ": key " + arch + ".rope.scaling.type");
    if (type != "none") {
      c["rope_scaling"] = {{"rope_type", type}, {"factor", shortest(get_num(arch + ".rope.scaling.factor"))}};
      if (has(arch + ".rope.scaling.original_context_length"))
        c["rope_scaling"]["original_max_position_embeddings"] = get_int(arch + ".rope.scaling.original_context_length");
    }
  }

  return c;
}

ImportedCheckpoint import_gguf(const std::string& path, const ImportOptions& opt) {
  const auto file = std::make_shared<const GgufFile>(path);
  const GgufFile& f = *file;
  const Header& h = f.header();
  const std::string arch = h.at("general.architecture", path).as_string(path + ": key general.architecture");
  const json c = hf_config_of(h, path);
  const int64_t n_head = c["num_attention_heads"].get<int64_t>(), n_head_kv = c["num_key_value_heads"].get<int64_t>();
  ImportedCheckpoint out;
  out.config = c;
  out.file = file;
  for (const TensorInfo& t : h.tensors) {
    const std::string where = path + ": tensor '" + t.name + "'";
    const std::string hf = hf_tensor_name(t.name);
    check(!hf.empty(), where, "has no Hugging Face name (import knows the Qwen2/Llama tensors of io/gguf_names.h)");
    out.gguf_name[hf] = t.name;
    const bool permuted = arch == "llama" && (t.name.find(".attn_q.") != std::string::npos || t.name.find(".attn_k.") != std::string::npos);
    const int64_t heads = t.name.find(".attn_q.") != std::string::npos ? n_head : n_head_kv;
    if (!opt.dequantize && quant_type_of(t.type)) {
      QuantizedTensor q = f.quantized(t.name);
      if (permuted) q.blocks = llama_unpermute(q.blocks, heads, where);
      out.quantized.emplace(hf, std::move(q));
      continue;
    }
    at::Tensor v = f.tensor(t.name);
    out.tensors.emplace(hf, permuted ? llama_unpermute(v, heads, where) : v);
  }
  return out;
}

}  // namespace r1::io::gguf
