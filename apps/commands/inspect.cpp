// `r1 inspect DIR`: what a checkpoint holds, from its headers alone (no tensor data is read):
// architecture, parameter count, dtype histogram, shards, the chat template's family, and the memory
// the weights take when loaded at each precision (--quant of generate/eval/serve).
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/json_file.h"
#include "io/hf_config.h"
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

json inspect(const std::string& path) {
  json out = {{"path", path}};
  const bool is_dir = fs::is_directory(path);
  std::vector<std::string> files;
  if (is_dir) {
    files = r1::io::shard_layout(path).files;
    const fs::path cfg_path = fs::path(path) / "config.json";
    if (fs::exists(cfg_path)) {
      const r1::model::ModelConfig c = r1::io::load_hf_config(cfg_path.string());
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
      out["architecture"] = a;
      out["weight_memory"] = weight_memory(c);
    }
    const fs::path tc_path = fs::path(path) / "tokenizer_config.json";
    std::string family = "none (no tokenizer_config.json)";
    if (fs::exists(tc_path)) {
      const json tc = r1::read_json_file(tc_path.string());
      const std::string tmpl = chat_template_of(tc);
      family = tmpl.empty() ? "none (no chat_template)"
                            : r1::text::chat_family_name(r1::text::detect_chat_family(tmpl));
    }
    out["chat_template_family"] = family;
  } else {
    files = {path};
  }

  // Parameters = elements of every tensor except FP8 block scales (they describe other tensors).
  int64_t params = 0;
  uint64_t bytes = 0;
  json dtypes = json::object(), shards = json::array();
  for (const auto& f : files) {
    const r1::io::Header h = r1::io::read_header_only(f);
    uint64_t shard_bytes = 0;
    for (const auto& t : h.tensors) {
      const bool scale = t.name.size() > 10 && t.name.compare(t.name.size() - 10, 10, "_scale_inv") == 0;
      if (!scale) params += t.numel();
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
  std::cout << "checkpoint: " << r["path"].get<std::string>() << "\n";
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
  }
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
  v.field("path", c.path, "checkpoint directory or .safetensors file", r1::schema::kRequired);
  v.field("json", c.as_json, "print one JSON object instead of text");
}

const r1::cli::CommandSpec kSpec{
    "inspect", "DIR [--json]",
    "Shows what a checkpoint directory (or one .safetensors file) holds, from its headers alone (no tensor\n"
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
