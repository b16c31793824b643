// Tensor names between Hugging Face Qwen2/Llama checkpoints and GGUF (llama.cpp's
// gguf-py/gguf/tensor_mapping.py), one table for both directions:
//   model.embed_tokens.weight                  token_embd.weight
//   model.layers.N.input_layernorm.weight      blk.N.attn_norm.weight
//   model.layers.N.self_attn.{q,k,v}_proj.*    blk.N.attn_{q,k,v}.*      (weight and bias)
//   model.layers.N.self_attn.o_proj.*          blk.N.attn_output.*
//   model.layers.N.post_attention_layernorm.*  blk.N.ffn_norm.weight
//   model.layers.N.mlp.{gate,up,down}_proj.*   blk.N.ffn_{gate,up,down}.weight
//   model.norm.weight                          output_norm.weight
//   lm_head.weight                             output.weight
#pragma once
#include <string>
#include <vector>

namespace r1::io::gguf {

// "" when the name has no GGUF counterpart.
std::string gguf_tensor_name(const std::string& hf_name);
std::string hf_tensor_name(const std::string& gguf_name);

// Every GGUF tensor name of a `layers`-block model, in the order llama.cpp's converter writes them
// (embedding, then each block's tensors, then the final norm and head), including the optional ones
// (biases, output.weight); the caller keeps those the checkpoint has.
std::vector<std::string> gguf_tensor_order(int64_t layers);

}  // namespace r1::io::gguf
