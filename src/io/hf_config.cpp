#include "io/hf_config.h"

#include <set>

#include "core/error.h"
#include "core/files.h"
#include "core/json_file.h"
#include "model/model_config_schema.h"

namespace r1::io {
namespace {

using json = nlohmann::json;
using model::ModelConfig;

// Reads keys out of one JSON object, remembering which were consumed so the rest become `extra`.
class KeyReader {
 public:
  KeyReader(const json& j, std::string source, std::string prefix = "")
      : j_(j), source_(std::move(source)), prefix_(std::move(prefix)) {}

  std::string where(const std::string& key) const { return source_ + ": field " + prefix_ + key; }

  // Present and non-null; marks the key consumed either way.
  const json* get(const std::string& key) {
    consumed_.insert(key);
    auto it = j_.find(key);
    return (it == j_.end() || it->is_null()) ? nullptr : &*it;
  }
  bool opt(const std::string& key, int64_t& out) {
    const json* v = get(key);
    if (!v) return false;
    check(v->is_number_integer(), where(key), "must be an integer, got " + v->dump());
    out = v->get<int64_t>();
    return true;
  }
  bool opt(const std::string& key, double& out) {
    const json* v = get(key);
    if (!v) return false;
    check(v->is_number(), where(key), "must be a number, got " + v->dump());
    out = v->get<double>();
    return true;
  }
  bool opt(const std::string& key, bool& out) {
    const json* v = get(key);
    if (!v) return false;
    check(v->is_boolean(), where(key), "must be true or false, got " + v->dump());
    out = v->get<bool>();
    return true;
  }
  bool opt(const std::string& key, std::string& out) {
    const json* v = get(key);
    if (!v) return false;
    check(v->is_string(), where(key), "must be a string, got " + v->dump());
    out = v->get<std::string>();
    return true;
  }
  template <typename T>
  void req(const std::string& key, T& out, const std::string& family) {
    check(opt(key, out), where(key), "required for model_type " + family + " but missing");
  }
  // Everything not consumed.
  json rest() const {
    json r = json::object();
    for (const auto& [k, v] : j_.items())
      if (!consumed_.count(k)) r[k] = v;
    return r;
  }

 private:
  const json& j_;
  std::string source_, prefix_;
  std::set<std::string> consumed_;
};

void read_rope_scaling(const json& rs, const std::string& source, ModelConfig& c) {
  check(rs.is_object(), source + ": field rope_scaling", "must be an object or null");
  KeyReader r(rs, source, "rope_scaling.");
  std::string type, legacy;
  r.opt("rope_type", type);  // current HF name
  r.opt("type", legacy);     // older name, still in DeepSeek-V3/R1 configs
  if (type.empty()) type = legacy;
  check(!type.empty(), r.where("type"), "missing (rope_type or type)");
  auto& s = c.rope_scaling;
  if (type == "default") {
    s.type = "none";
  } else if (type == "yarn" || type == "linear" || type == "llama3") {
    s.type = type;
    check(r.opt("factor", s.factor), r.where("factor"), "required for " + type + " but missing");
    // yarn falls back to max_position_embeddings (rope.h), as Hugging Face does.
    if (type == "llama3")
      check(r.opt("original_max_position_embeddings", s.original_max_position_embeddings),
            r.where("original_max_position_embeddings"), "required for " + type + " but missing");
    if (type == "yarn") {
      r.opt("original_max_position_embeddings", s.original_max_position_embeddings);
      r.opt("attention_factor", s.attention_factor);
      r.opt("beta_fast", s.beta_fast);
      r.opt("beta_slow", s.beta_slow);
      r.opt("mscale", s.mscale);
      r.opt("mscale_all_dim", s.mscale_all_dim);
      // Kept in extra and written back; only its default (a floor/ceil-truncated ramp) is implemented.
      check(!(rs.contains("truncate") && rs["truncate"] == false), r.where("truncate"),
            "false (an untruncated YaRN ramp, gpt-oss) is not implemented by r1cpp");
    }
    if (type == "llama3") {
      r.opt("low_freq_factor", s.low_freq_factor);
      r.opt("high_freq_factor", s.high_freq_factor);
    }
  } else {
    throw Error(r.where("type"), "unsupported rope scaling '" + type + "' (supported: yarn, linear, llama3, default)");
  }
  json rest = r.rest();
  if (!rest.empty()) c.extra["rope_scaling"] = rest;
}

json write_rope_scaling(const ModelConfig& c) {
  const auto& s = c.rope_scaling;
  if (s.type == "none") return nullptr;
  // Both names: current transformers reads rope_type, older loaders and DeepSeek's code read type.
  json r = {{"rope_type", s.type}, {"type", s.type}, {"factor", s.factor}};
  if (s.original_max_position_embeddings > 0) r["original_max_position_embeddings"] = s.original_max_position_embeddings;
  if (s.type == "yarn") {
    r["beta_fast"] = s.beta_fast;
    r["beta_slow"] = s.beta_slow;
    // Zero means absent (model_config.h); writing 0 would read back the same, but absent stays absent.
    if (s.attention_factor > 0) r["attention_factor"] = s.attention_factor;
    if (s.mscale != 0) r["mscale"] = s.mscale;
    if (s.mscale_all_dim != 0) r["mscale_all_dim"] = s.mscale_all_dim;
  }
  if (s.type == "llama3") {
    r["low_freq_factor"] = s.low_freq_factor;
    r["high_freq_factor"] = s.high_freq_factor;
  }
  if (c.extra.contains("rope_scaling") && c.extra["rope_scaling"].is_object())
    for (const auto& [k, v] : c.extra["rope_scaling"].items())
      if (!r.contains(k)) r[k] = v;
  return r;
}

json id_or_null(int64_t id) { return id >= 0 ? json(id) : json(nullptr); }

}  // namespace

std::string hf_architecture(const std::string& arch) {
  if (arch == "qwen2") return "Qwen2ForCausalLM";
  if (arch == "llama") return "LlamaForCausalLM";
  if (arch == "deepseek_v3") return "DeepseekV3ForCausalLM";
  throw Error("model config field arch", "unknown architecture '" + arch + "'");
}

ModelConfig config_from_hf(const json& j, const std::string& source) {
  check(j.is_object(), source, "config.json must be a JSON object");
  KeyReader r(j, source);
  ModelConfig c;
  std::string family;
  check(r.opt("model_type", family), r.where("model_type"), "required but missing");
  check(family == "qwen2" || family == "llama" || family == "deepseek_v3", r.where("model_type"),
        "unsupported model_type '" + family + "' (supported: qwen2, llama, deepseek_v3)");
  const bool ds = family == "deepseek_v3";
  c.arch = family;

  // Family defaults (HF configuration_*.py) before reading.
  c.attention_bias = family == "qwen2";
  c.tie_word_embeddings = false;
  c.rope_theta = 10000.0;
  c.rms_norm_eps = 1e-6;
  c.max_position_embeddings = family == "qwen2" ? 32768 : family == "llama" ? 2048 : 4096;
  c.bos_token_id = family == "llama" ? 1 : ds ? 0 : -1;
  c.eos_token_id = family == "llama" ? 2 : ds ? 1 : -1;
  c.head_dim = 0;

  r.req("vocab_size", c.vocab_size, family);
  r.req("hidden_size", c.hidden_size, family);
  r.req("intermediate_size", c.intermediate_size, family);
  r.req("num_hidden_layers", c.num_hidden_layers, family);
  r.req("num_attention_heads", c.num_attention_heads, family);
  if (!r.opt("num_key_value_heads", c.num_key_value_heads)) c.num_key_value_heads = c.num_attention_heads;
  r.opt("head_dim", c.head_dim);
  r.opt("rms_norm_eps", c.rms_norm_eps);
  r.opt("rope_theta", c.rope_theta);
  r.opt("attention_bias", c.attention_bias);
  r.opt("tie_word_embeddings", c.tie_word_embeddings);
  r.opt("max_position_embeddings", c.max_position_embeddings);
  r.opt("initializer_range", c.initializer_range);
  // An explicit null id means "none" (-1), not the family default.
  if (!r.opt("bos_token_id", c.bos_token_id) && j.contains("bos_token_id")) c.bos_token_id = -1;
  if (j.contains("eos_token_id") && j["eos_token_id"].is_null()) c.eos_token_id = -1;
  if (const json* eos = r.get("eos_token_id")) {
    if (eos->is_array()) {
      check(!eos->empty() && (*eos)[0].is_number_integer(), r.where("eos_token_id"), "must be an id or a list of ids");
      c.eos_token_id = (*eos)[0].get<int64_t>();
      c.extra["eos_token_id"] = *eos;
    } else {
      check(eos->is_number_integer(), r.where("eos_token_id"), "must be an id or a list of ids");
      c.eos_token_id = eos->get<int64_t>();
    }
  }
  if (const json* rs = r.get("rope_scaling")) read_rope_scaling(*rs, source, c);

  if (ds) {
    model::DeepSeekV3Config d;  // optional keys keep these defaults (deepseek_v3_config.h)
    r.opt("rope_interleave", d.rope_interleave);
    if (!r.opt("q_lora_rank", d.q_lora_rank)) {
      check(j.contains("q_lora_rank"), r.where("q_lora_rank"), "required for model_type deepseek_v3 but missing");
      d.q_lora_rank = 0;  // null: direct query projection (V2-Lite shape)
    }
    r.req("kv_lora_rank", d.kv_lora_rank, family);
    r.req("qk_nope_head_dim", d.qk_nope_head_dim, family);
    r.req("qk_rope_head_dim", d.qk_rope_head_dim, family);
    r.req("v_head_dim", d.v_head_dim, family);
    r.opt("n_routed_experts", d.n_routed_experts);
    r.opt("n_shared_experts", d.n_shared_experts);
    r.opt("num_experts_per_tok", d.num_experts_per_tok);
    r.opt("moe_intermediate_size", d.moe_intermediate_size);
    r.opt("n_group", d.n_group);
    r.opt("topk_group", d.topk_group);
    r.opt("routed_scaling_factor", d.routed_scaling_factor);
    r.opt("first_k_dense_replace", d.first_k_dense_replace);
    r.opt("norm_topk_prob", d.norm_topk_prob);
    r.opt("scoring_func", d.scoring_func);
    r.opt("topk_method", d.topk_method);
    r.opt("aux_loss_alpha", d.aux_loss_alpha);
    r.opt("num_nextn_predict_layers", d.num_nextn_predict_layers);
    r.opt("bias_update_speed", d.bias_update_speed);
    r.opt("mtp_loss_weight", d.mtp_loss_weight);
    c.deepseek_v3 = d;
  }

  std::string act = "silu";
  r.opt("hidden_act", act);
  check(act == "silu", r.where("hidden_act"), "activation '" + act + "' is not silu (r1cpp doesn't implement it)");
  // The family's own class name is implied by model_type; any other list is kept as written.
  if (const json* arch = r.get("architectures")) {
    check(arch->is_array(), r.where("architectures"), "must be a list of class names");
    if (*arch != json::array({hf_architecture(family)})) c.extra["architectures"] = *arch;
  }

  json rest = r.rest();
  for (auto& [k, v] : rest.items()) c.extra[k] = v;

  // Kept in extra, but only the variants r1cpp implements are accepted.
  auto unsupported = [&](const char* key, bool bad, const std::string& what) {
    check(!bad, r.where(key), what + " (r1cpp doesn't implement it)");
  };
  const json& x = c.extra;
  unsupported("use_sliding_window", x.contains("use_sliding_window") && x["use_sliding_window"] == true,
              "sliding-window attention");
  unsupported("mlp_bias", x.contains("mlp_bias") && x["mlp_bias"] == true, "MLP biases");
  unsupported("rope_interleave", !ds && x.contains("rope_interleave") && x["rope_interleave"] == true,
              "interleaved RoPE outside deepseek_v3");
  unsupported("moe_layer_freq", ds && x.contains("moe_layer_freq") && x["moe_layer_freq"] != 1,
              "MoE on every k-th layer only");
  return c;
}

ModelConfig load_hf_config(const std::string& path) { return config_from_hf(read_json_file(path), path); }

json config_to_hf(const ModelConfig& c) {
  json j = {{"model_type", c.arch},
            {"architectures", json::array({hf_architecture(c.arch)})},
            {"vocab_size", c.vocab_size},
            {"hidden_size", c.hidden_size},
            {"intermediate_size", c.intermediate_size},
            {"num_hidden_layers", c.num_hidden_layers},
            {"num_attention_heads", c.num_attention_heads},
            {"num_key_value_heads", c.num_key_value_heads},
            {"hidden_act", "silu"},
            {"rms_norm_eps", c.rms_norm_eps},
            {"rope_theta", c.rope_theta},
            {"rope_scaling", write_rope_scaling(c)},
            {"tie_word_embeddings", c.tie_word_embeddings},
            {"max_position_embeddings", c.max_position_embeddings},
            {"initializer_range", c.initializer_range},
            {"bos_token_id", id_or_null(c.bos_token_id)},
            {"eos_token_id", id_or_null(c.eos_token_id)}};
  if (c.head_dim > 0) j["head_dim"] = c.head_dim;
  // Qwen2 has no attention_bias key (always biased); write it only when it departs from that.
  if (c.arch != "qwen2" || !c.attention_bias) j["attention_bias"] = c.attention_bias;
  if (c.deepseek_v3) {
    // Every DeepSeek-V3 key under its HF name (the run config's schema uses the same names,
    // model_config_schema.h); q_lora_rank 0 is HF's null.
    model::DeepSeekV3Config v3 = *c.deepseek_v3;  // the schema's visitors bind mutable fields
    json keys;
    schema::detail::JsonWriter writer(&keys, /*only_results=*/false);
    model::visit_deepseek_v3_fields(writer, v3);
    for (const auto& [k, v] : keys.items()) j[k] = v;
    if (c.deepseek_v3->q_lora_rank == 0) j["q_lora_rank"] = nullptr;
  }
  // extra: written back unchanged where the fields above don't define the key; the two merged keys
  // (an eos list, rope_scaling leftovers) are reconciled with their fields.
  for (const auto& [k, v] : c.extra.items()) {
    if (k == "rope_scaling") continue;  // merged in write_rope_scaling
    if (k == "eos_token_id") {
      if (v.is_array() && !v.empty() && v[0] == c.eos_token_id) j[k] = v;
      continue;
    }
    if (k == "architectures" || !j.contains(k)) j[k] = v;
  }
  return j;
}

void save_hf_config(const std::string& path, const ModelConfig& c) {
  write_file_atomic(path, config_to_hf(c).dump(2) + "\n");
}

}  // namespace r1::io
