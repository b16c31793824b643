#include "io/gguf_names.h"

namespace r1::io::gguf {
namespace {

struct NamePair {
  const char* hf;
  const char* gguf;
};

const NamePair kGlobal[] = {
    {"model.embed_tokens.weight", "token_embd.weight"},
    {"model.norm.weight", "output_norm.weight"},
    {"lm_head.weight", "output.weight"},
};

// Within a block: after "model.layers.N." / "blk.N.".
const NamePair kBlock[] = {
    {"input_layernorm.weight", "attn_norm.weight"},
    {"self_attn.q_proj.weight", "attn_q.weight"},
    {"self_attn.q_proj.bias", "attn_q.bias"},
    {"self_attn.k_proj.weight", "attn_k.weight"},
    {"self_attn.k_proj.bias", "attn_k.bias"},
    {"self_attn.v_proj.weight", "attn_v.weight"},
    {"self_attn.v_proj.bias", "attn_v.bias"},
    {"self_attn.o_proj.weight", "attn_output.weight"},
    {"self_attn.o_proj.bias", "attn_output.bias"},
    {"post_attention_layernorm.weight", "ffn_norm.weight"},
    {"mlp.gate_proj.weight", "ffn_gate.weight"},
    {"mlp.up_proj.weight", "ffn_up.weight"},
    {"mlp.down_proj.weight", "ffn_down.weight"},
};

// "<prefix><N>.<rest>" -> (N, rest); false unless N is a plain decimal number.
bool split_block(const std::string& name, const std::string& prefix, std::string& n, std::string& rest) {
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  const size_t dot = name.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size()) return false;
  n = name.substr(prefix.size(), dot - prefix.size());
  for (char c : n)
    if (c < '0' || c > '9') return false;
  rest = name.substr(dot + 1);
  return true;
}

std::string map_name(const std::string& name, bool to_gguf) {
  for (const auto& p : kGlobal)
    if (name == (to_gguf ? p.hf : p.gguf)) return to_gguf ? p.gguf : p.hf;
  std::string n, rest;
  if (!split_block(name, to_gguf ? "model.layers." : "blk.", n, rest)) return "";
  for (const auto& p : kBlock)
    if (rest == (to_gguf ? p.hf : p.gguf)) return (to_gguf ? "blk." : "model.layers.") + n + "." + (to_gguf ? p.gguf : p.hf);
  return "";
}

}  // namespace

std::string gguf_tensor_name(const std::string& hf_name) { return map_name(hf_name, true); }
std::string hf_tensor_name(const std::string& gguf_name) { return map_name(gguf_name, false); }

std::vector<std::string> gguf_tensor_order(int64_t layers) {
  std::vector<std::string> order = {kGlobal[0].gguf};
  for (int64_t i = 0; i < layers; ++i)
    for (const auto& p : kBlock) order.push_back("blk." + std::to_string(i) + "." + p.gguf);
  order.push_back(kGlobal[1].gguf);
  order.push_back(kGlobal[2].gguf);
  return order;
}

}  // namespace r1::io::gguf
