// `r1 inspect DIR`: what a checkpoint holds, from its headers alone (no tensor data is read):
// architecture, parameter count, dtype histogram, shards, the chat template's family, and the memory
// the weights take when loaded at each precision (--quant of generate/eval/serve).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/json_file.h"
#include "io/gguf_file.h"
#include "io/gguf_import.h"
#include "io/gguf_load.h"
#include "io/gguf_rows.h"
#include "io/gguf_tokenizer.h"
#include "io/hf_config.h"
#include "io/quantized_checkpoint.h"
#include "io/safetensors.h"
#include "io/inference_load.h"
#include "model/quantize_model.h"
#include "text/chat_template.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Bytes of the loaded weights at each precision, counted on a model skeleton whose weights are
// allocated but never touched (model::SkipWeightInit): fp32 and bf16 hold every parameter at 4 / 2
// bytes; int8 / int4 as io/inference_load.h loads them (projections and head in Q8_0 / Q4_0
// blocks, the embedding in bf16, the rest fp32). KV cache and activations come on top.
r1::model::QuantizeOptions quantized(r1::io::WeightQuant q) {
  r1::io::InferenceLoad opt;
  opt.quant = q;
  return r1::io::quantize_options(opt);
}

std::string schema_name(r1::io::WeightQuant q) { return r1::schema::detail::value_to_json(q).get<std::string>(); }

json weight_memory(const r1::model::ModelConfig& c) {
  r1::model::SkipWeightInit skip;
  r1::model::CausalLM m(c);
  const int64_t params = r1::model::parameter_count(*m);
  return {{"fp32", params * 4},
          {"bf16", params * 2},
          {"int8", r1::model::quantized_weight_bytes(*m, quantized(r1::io::WeightQuant::int8))},
          {"int4", r1::model::quantized_weight_bytes(*m, quantized(r1::io::WeightQuant::int4))}};
}

std::string human(double n, const char* unit) {
  const char* suffix[] = {"", "K", "M", "G", "T"};
  int i = 0;
  while (n >= 1000 && i < 4) n /= 1000, ++i;
  char buf[64];
  std::snprintf(buf, sizeof buf, i ? "%.2f %s%s" : "%.0f %s%s", n, suffix[i], unit);
  return buf;
}

// The chat_template of tokenizer_config.json: a string, or a list of {name, template} ("default").
std::string chat_template_of(const json& tc) {
  if (!tc.contains("chat_template")) return "";
  const json& t = tc["chat_template"];
  if (t.is_string()) return t.get<std::string>();
  if (t.is_array())
    for (const auto& e : t)
      if (e.is_object() && e.value("name", "") == "default" && e.contains("template") && e["template"].is_string())
        return e["template"].get<std::string>();
  return "";
}

json architecture_of(const r1::model::ModelConfig& c) {
  json a = {{"model_type", c.arch},
            {"architectures", c.extra.value("architectures", json::array({r1::io::hf_architecture(c.arch)}))},
            {"num_hidden_layers", c.num_hidden_layers},
            {"hidden_size", c.hidden_size},
            {"num_attention_heads", c.num_attention_heads},
            {"num_key_value_heads", c.num_key_value_heads},
            {"head_dim", c.resolved_head_dim()},
            {"intermediate_size", c.intermediate_size},
            {"vocab_size", c.vocab_size},
            {"max_position_embeddings", c.max_position_embeddings},
            {"tie_word_embeddings", c.tie_word_embeddings},
            {"rope_scaling", c.rope_scaling.type}};
  if (const auto& d = c.deepseek_v3) {
    a["q_lora_rank"] = d->q_lora_rank;
    a["kv_lora_rank"] = d->kv_lora_rank;
    a["n_routed_experts"] = d->n_routed_experts;
    a["num_experts_per_tok"] = d->num_experts_per_tok;
    a["n_shared_experts"] = d->n_shared_experts;
    a["first_k_dense_replace"] = d->first_k_dense_replace;
    a["num_nextn_predict_layers"] = d->num_nextn_predict_layers;
  }
  if (c.extra.contains("quantization_config")) a["quantization_config"] = c.extra["quantization_config"];
  return a;
}

std::string chat_family_of(const std::string& tmpl) {
  return tmpl.empty() ? "none (no chat_template)" : r1::text::chat_family_name(r1::text::detect_chat_family(tmpl));
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A GGUF file, from its header: the architecture its metadata describes, parameters (the logical
// elements of every tensor, whatever its type), tensor types, the tokenizer's pre-tokenizer, and the
// memory at each precision — "as_stored" being how --model FILE.gguf loads it (io/gguf_load.h).
json inspect_gguf(const std::string& path) {
  const r1::io::gguf::GgufFile f(path);
  const r1::io::gguf::Header& h = f.header();
  const r1::model::ModelConfig c =
      r1::io::config_from_hf(r1::io::gguf::hf_config_of(h, path), path + " (config rebuilt from its metadata)");
  json out = {{"path", path}, {"format", "gguf"}, {"architecture", architecture_of(c)}, {"weight_memory", weight_memory(c)}};
  const auto stored = r1::io::gguf::stored_weight_quant(h);
  const bool tied = h.tensor("output.weight") == nullptr;
  const bool table_bf16 = stored != r1::io::WeightQuant::none;  // a quantized head: the table is bf16
  int64_t params = 0, as_stored = 0;
  json dtypes = json::object();
  for (const auto& t : h.tensors) {
    if (t.name == "rope_freqs.weight") continue;  // derived from the config, not a parameter
    params += t.numel();
    const bool quantized = r1::io::gguf::quant_type_of(t.type).has_value();
    if (t.name == "token_embd.weight") {
      as_stored += t.numel() * (table_bf16 ? 2 : 4) + (tied && quantized ? static_cast<int64_t>(t.nbytes) : 0);
    } else {
      as_stored += quantized ? static_cast<int64_t>(t.nbytes) : t.numel() * 4;
    }
    json& d = dtypes[r1::io::gguf::tensor_type_name(t.type)];
    if (d.is_null()) d = {{"tensors", 0}, {"bytes", uint64_t{0}}};
    d["tensors"] = d["tensors"].get<int64_t>() + 1;
    d["bytes"] = d["bytes"].get<uint64_t>() + t.nbytes;
  }
  if (stored != r1::io::WeightQuant::none) {
    out["weight_memory"]["as_stored"] = as_stored;
    out["stored_quant"] = stored ? schema_name(*stored) : "mixed";
  }
  out["parameters"] = params;
  out["tensor_bytes"] = f.header().tensors.empty() ? 0 : static_cast<uint64_t>(std::filesystem::file_size(path) - h.data_start);
  out["dtypes"] = dtypes;
  out["shards"] = json::array({{{"file", fs::path(path).filename().string()}, {"tensors", h.tensors.size()},
                                {"bytes", out["tensor_bytes"]}}});
  const auto* pre = h.find("tokenizer.ggml.pre");
  const std::string pre_name = pre && pre->type() == r1::io::gguf::ValueType::string ? pre->as_string("tokenizer.ggml.pre") : "";
  const auto& known = r1::io::gguf::rebuildable_pre_tokenizers();
  out["tokenizer"] = pre_name.empty() ? "none (no tokenizer.ggml.pre)"
                     : std::find(known.begin(), known.end(), pre_name) != known.end()
                         ? pre_name + " (rebuilt from the metadata)"
                         : pre_name + " (not rebuildable: load with --tokenizer PATH)";
  const auto* tmpl = h.find("tokenizer.chat_template");
  out["chat_template_family"] =
      chat_family_of(tmpl && tmpl->type() == r1::io::gguf::ValueType::string ? tmpl->as_string("tokenizer.chat_template") : "");
  return out;
}

json inspect(const std::string& path) {
  if (r1::io::gguf::is_gguf_file(path)) return inspect_gguf(path);
  json out = {{"path", path}};
  const bool is_dir = fs::is_directory(path);
  bool tied_quantized_head = false;  // lm_head.* is the table's quantized copy, not parameters of its own
  std::vector<std::string> files;
  if (is_dir) {
    files = r1::io::shard_layout(path).files;
    const fs::path cfg_path = fs::path(path) / "config.json";
    if (fs::exists(cfg_path)) {
      const r1::model::ModelConfig c = r1::io::load_hf_config(cfg_path.string());
      out["architecture"] = architecture_of(c);
      out["weight_memory"] = weight_memory(c);
      tied_quantized_head = c.tie_word_embeddings && r1::io::stored_quant(c, cfg_path.string()) != r1::io::WeightQuant::none;
    }
    const fs::path tc_path = fs::path(path) / "tokenizer_config.json";
    std::string family = "none (no tokenizer_config.json)";
    if (fs::exists(tc_path)) {
      const json tc = r1::read_json_file(tc_path.string());
      const std::string tmpl = chat_template_of(tc);
      family = chat_family_of(tmpl);
    }
    out["chat_template_family"] = family;
  } else {
    files = {path};
  }

  // Parameters = the weights the tensors hold, as the original model counts them: FP8 block scales
  // describe other tensors and count nothing; a quantized projection (io/quantized_checkpoint.h)
  // counts its weight_scale's groups x 32 weights, and its I8 weight / packed int4 / weight_shape
  // nothing more.
  std::vector<r1::io::Header> headers;
  std::set<std::string> quantized;  // prefixes P with a P.weight_scale
  for (const auto& f : files) {
    headers.push_back(r1::io::read_header_only(f));
    for (const auto& t : headers.back().tensors)
      if (ends_with(t.name, ".weight_scale")) quantized.insert(t.name.substr(0, t.name.size() - 13));
  }
  const auto counted = [&](const r1::io::TensorInfo& t) -> int64_t {
    if (ends_with(t.name, "_scale_inv")) return 0;
    if (tied_quantized_head && t.name.rfind("lm_head.", 0) == 0) return 0;
    for (const char* part : {".weight_scale", ".weight", ".weight_packed", ".weight_shape"})
      if (ends_with(t.name, part) && quantized.count(t.name.substr(0, t.name.size() - std::strlen(part))))
        return std::string(part) == ".weight_scale" ? t.numel() * r1::kernels::kQuantBlock : 0;
    return t.numel();
  };
  int64_t params = 0;
  uint64_t bytes = 0;
  json dtypes = json::object(), shards = json::array();
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& f = files[i];
    const r1::io::Header& h = headers[i];
    uint64_t shard_bytes = 0;
    for (const auto& t : h.tensors) {
      params += counted(t);
      json& d = dtypes[r1::io::dtype_name(t.dtype)];
      if (d.is_null()) d = {{"tensors", 0}, {"bytes", uint64_t{0}}};
      d["tensors"] = d["tensors"].get<int64_t>() + 1;
      d["bytes"] = d["bytes"].get<uint64_t>() + t.nbytes();
      shard_bytes += t.nbytes();
    }
    bytes += shard_bytes;
    shards.push_back({{"file", fs::path(f).filename().string()}, {"tensors", h.tensors.size()}, {"bytes", shard_bytes}});
  }
  out["parameters"] = params;
  out["tensor_bytes"] = bytes;
  out["dtypes"] = dtypes;
  out["shards"] = shards;
  return out;
}

void print(const json& r) {
  std::cout << (r.contains("format") ? "gguf: " : "checkpoint: ") << r["path"].get<std::string>() << "\n";
  if (r.contains("architecture")) {
    const json& a = r["architecture"];
    std::cout << "architecture: " << a["model_type"].get<std::string>() << " " << a["architectures"].dump() << "\n"
              << "  layers " << a["num_hidden_layers"] << ", hidden " << a["hidden_size"] << ", heads "
              << a["num_attention_heads"] << " (kv " << a["num_key_value_heads"] << ", head_dim " << a["head_dim"]
              << "), intermediate " << a["intermediate_size"] << ", vocab " << a["vocab_size"] << "\n"
              << "  context " << a["max_position_embeddings"] << ", rope scaling " << a["rope_scaling"].get<std::string>()
              << ", tied embeddings " << (a["tie_word_embeddings"].get<bool>() ? "yes" : "no") << "\n";
    if (a.contains("kv_lora_rank"))
      std::cout << "  MLA q_lora " << a["q_lora_rank"] << ", kv_lora " << a["kv_lora_rank"] << "; MoE "
                << a["n_routed_experts"] << " routed (" << a["num_experts_per_tok"] << " active) + "
                << a["n_shared_experts"] << " shared, first " << a["first_k_dense_replace"] << " dense; MTP "
                << a["num_nextn_predict_layers"] << "\n";
    if (a.contains("quantization_config")) std::cout << "  quantization " << a["quantization_config"].dump() << "\n";
  }
  std::cout << "parameters: " << r["parameters"] << " (" << human(r["parameters"].get<double>(), "") << ")\n";
  if (r.contains("weight_memory")) {
    const json& m = r["weight_memory"];
    std::cout << "weights in memory: fp32 " << human(m["fp32"].get<double>(), "B") << ", bf16 "
              << human(m["bf16"].get<double>(), "B") << ", int8 " << human(m["int8"].get<double>(), "B") << ", int4 "
              << human(m["int4"].get<double>(), "B") << " (--quant: projections and head in blocks, embedding bf16)\n";
    if (m.contains("as_stored"))
      std::cout << "  as stored (" << r["stored_quant"].get<std::string>() << " blocks, loaded as they are): "
                << human(m["as_stored"].get<double>(), "B") << "\n";
  }
  if (r.contains("tokenizer")) std::cout << "tokenizer: " << r["tokenizer"].get<std::string>() << "\n";
  std::cout << "dtypes:\n";
  for (const auto& [d, v] : r["dtypes"].items())
    std::printf("  %-8s %6d tensors  %s\n", d.c_str(), v["tensors"].get<int>(), human(v["bytes"].get<double>(), "B").c_str());
  std::cout << "shards: " << r["shards"].size() << "\n";
  for (const auto& s : r["shards"])
    std::printf("  %-40s %6d tensors  %s\n", s["file"].get<std::string>().c_str(), s["tensors"].get<int>(),
                human(s["bytes"].get<double>(), "B").c_str());
  if (r.contains("chat_template_family"))
    std::cout << "chat template: " << r["chat_template_family"].get<std::string>() << "\n";
  std::cout.flush();
}

struct InspectCommand {
  std::string path;
  bool as_json = false;
};

template <class V>
void visit_fields(V& v, InspectCommand& c) {
  v.field("path", c.path, "checkpoint directory, .safetensors file or .gguf file", r1::schema::kRequired);
  v.field("json", c.as_json, "print one JSON object instead of text");
}

const r1::cli::CommandSpec kSpec{
    "inspect", "DIR [--json]",
    "Shows what a checkpoint directory (or one .safetensors or .gguf file) holds, from its headers alone (no tensor\n"
    "data is read): architecture, parameter count, dtypes, shards, the chat template's family and the\n"
    "memory the weights take loaded at fp32, bf16, int8 and int4 (--quant of generate, eval, serve).",
    {"path"}};

int run(InspectCommand& c) {
  const std::string& path = c.path;
  const bool as_json = c.as_json;
  const json r = inspect(path);
  if (as_json)
    std::cout << r.dump(2) << std::endl;
  else
    print(r);
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "show a checkpoint's architecture, parameters, dtypes, shards, chat template", run);

}  // namespace
