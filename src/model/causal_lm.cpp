#include "model/causal_lm.h"

#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "model/deepseek_v3.h"
#include "model/qwen2_llama.h"

namespace r1::model {

DecoderImpl::DecoderImpl(const ModelConfig& cfg) {
  torch::nn::EmbeddingOptions embed(cfg.vocab_size, cfg.hidden_size);
  if (SkipWeightInit::active()) embed._weight(torch::empty({cfg.vocab_size, cfg.hidden_size}));  // no init pass
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(embed));
  layers = register_module("layers", torch::nn::ModuleList());
  norm = register_module("norm", RMSNorm(cfg.hidden_size, cfg.rms_norm_eps));
}

CausalLMImpl::CausalLMImpl(ModelConfig cfg, int64_t rope_dim) : cfg_(std::move(cfg)) {
  cfg_.validate();
  model = register_module("model", Decoder(cfg_));
  add_projection("lm_head", lm_head, cfg_.hidden_size, cfg_.vocab_size, false, !cfg_.tie_word_embeddings);
  rope_ = rope_parameters(rope_dim, cfg_.rope_theta, cfg_.rope_scaling, cfg_.max_position_embeddings);
}

namespace {

// The one place an architecture name picks its file.
std::shared_ptr<CausalLMImpl> build_architecture(const ModelConfig& cfg) {
  if (cfg.arch == "qwen2" || cfg.arch == "llama") return std::make_shared<Qwen2LlamaForCausalLMImpl>(cfg);
  if (cfg.arch == "deepseek_v3") return std::make_shared<DeepseekV3ForCausalLMImpl>(cfg);
  throw Error("model config field arch", "unknown architecture '" + cfg.arch + "' (supported: qwen2, llama, deepseek_v3)");
}

}  // namespace

CausalLM::CausalLM(const ModelConfig& cfg) : ModuleHolder(build_architecture(cfg)) {}

torch::Device CausalLMImpl::device() const { return model->embed_tokens->weight.device(); }

KVCache CausalLMImpl::make_cache(int64_t batch, int64_t capacity, bool ragged) const {
  auto opts = model->norm->weight.options().requires_grad(false);  // the compute dtype (a quantized table is bf16)
  KVCache cache;
  for (int64_t i = 0; i < cfg_.num_hidden_layers; ++i) cache.layers.push_back(make_layer_cache(i, batch, capacity, opts));
  cache.valid = torch::zeros({batch, capacity}, torch::dtype(torch::kBool).device(device()));
  cache.next_position = torch::zeros({batch}, torch::dtype(torch::kInt64).device(device()));
  cache.capacity = capacity;
  if (ragged) cache.row_length.assign(batch, 0);
  return cache;
}

LayerInput CausalLMImpl::uncached_layer_input(const torch::Tensor& valid_in) const {
  auto valid = valid_in.to(torch::kBool);
  auto positions = (valid.to(torch::kInt64).cumsum(1) - 1).clamp_min(0);           // [B, T]
  LayerInput in;
  in.rope = rotary_tables(positions, rope_);
  in.mask = causal_mask(valid, 0, valid.size(1));
  in.valid = valid;
  return in;
}

// A decode pass over a ragged cache: one token per row, row b's at slot and position row_length[b].
// Rows of equal length need no mask (every query sees every filled slot) and write with one narrow
// copy; otherwise the mask and its additive form are built here once for all layers.
LayerInput CausalLMImpl::ragged_layer_input(KVCache& cache, int64_t B) const {
  check(static_cast<int64_t>(cache.row_length.size()) == B, "kv cache",
        "ragged cache of " + std::to_string(cache.row_length.size()) + " rows fed " + std::to_string(B) + " rows");
  const auto& len = cache.row_length;
  const int64_t longest = *std::max_element(len.begin(), len.end());
  const int64_t shortest = *std::min_element(len.begin(), len.end());
  check(longest + 1 <= cache.capacity, "kv cache",
        "capacity " + std::to_string(cache.capacity) + " exceeded by " + std::to_string(longest + 1) + " tokens");
  auto dev = device();
  auto lengths = torch::tensor(len, torch::kInt64).to(dev);  // [B]
  LayerInput in;
  in.rope = rotary_tables(lengths.unsqueeze(1), rope_);
  in.offset = longest;
  if (shortest != longest) {
    auto slots = torch::arange(longest + 1, torch::dtype(torch::kInt64).device(dev));  // [S]
    in.mask = (slots.unsqueeze(0) <= lengths.unsqueeze(1)).view({B, 1, 1, longest + 1});
    in.bias = torch::zeros(in.mask.sizes(), torch::dtype(torch::kFloat32).device(dev))
                  .masked_fill_(~in.mask, -std::numeric_limits<float>::infinity());
    in.write_rows = torch::arange(B, torch::dtype(torch::kInt64).device(dev));
    in.write_slots = lengths;
  }
  return in;
}

torch::Tensor CausalLMImpl::hidden_states(const torch::Tensor& ids, KVCache* cache, const torch::Tensor& valid_in) {
  const auto B = ids.size(0), T = ids.size(1);
  auto dev = ids.device();
  if (cache && cache->ragged()) {
    check(T == 1 && !valid_in.defined(), "kv cache", "a ragged cache takes one real token per row per pass");
    LayerInput in = ragged_layer_input(*cache, B);
    in.valid = torch::ones({B, 1}, torch::dtype(torch::kBool).device(dev));
    in.cache = cache;
    in.observe = &observe_;
    in.decode_attention = cache->decode_attention;
    auto x = decode(embed(ids), in);  // [B, 1, C]
    for (auto& l : cache->row_length) ++l;
    cache->length = in.offset + 1;
    x = model->norm(x);
    in.cb(x, "result_norm", -1);
    return x;
  }
  auto valid = valid_in.defined() ? valid_in.to(torch::kBool) : torch::ones({B, T}, torch::dtype(torch::kBool).device(dev));
  const int64_t offset = cache ? cache->length : 0;
  const int64_t S = offset + T;
  check(!cache || S <= cache->capacity, "kv cache", "capacity " + std::to_string(cache ? cache->capacity : 0) +
                                                        " exceeded by " + std::to_string(S) + " tokens");

  // Positions count real tokens only, so left padding does not shift RoPE.
  auto steps = valid.to(torch::kInt64).cumsum(1) - 1;  // [B, T]
  auto positions = cache ? cache->next_position.unsqueeze(1) + steps : steps;
  positions = positions.clamp_min(0);

  // Key validity over all S visible slots.
  torch::Tensor key_valid;
  if (cache) {
    cache->valid.narrow(1, offset, T).copy_(valid);
    key_valid = cache->valid.narrow(1, 0, S);
  } else {
    key_valid = valid;
  }
  LayerInput in;
  in.rope = rotary_tables(positions, rope_);
  in.mask = causal_mask(key_valid, offset, T);
  in.valid = valid;
  in.cache = cache;
  in.offset = offset;
  in.observe = &observe_;
  if (cache) in.decode_attention = cache->decode_attention;
  auto x = decode(embed(ids), in);  // [B, T, C]
  if (cache) {
    cache->length = S;
    cache->next_position += valid.to(torch::kInt64).sum(1);
  }
  x = model->norm(x);
  in.cb(x, "result_norm", -1);
  return x;
}

torch::Tensor CausalLMImpl::embed(const torch::Tensor& ids) {
  auto x = model->embed_tokens(ids);  // [B, T, C]
  return x.scalar_type() == compute_dtype() ? x : x.to(compute_dtype());
}

torch::Tensor CausalLMImpl::logits(const torch::Tensor& hidden) {
  return lm_head ? lm_head->forward(hidden) : torch::matmul(hidden, model->embed_tokens->weight.t());
}

torch::Tensor CausalLMImpl::forward(const torch::Tensor& ids, KVCache* cache, const torch::Tensor& valid) {
  return logits(hidden_states(ids, cache, valid));
}

void init_weights(CausalLMImpl& m, uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  const auto& cfg = m.config();
  const double std = cfg.initializer_range;
  const double residual_std = std / std::sqrt(2.0 * cfg.num_hidden_layers);
  auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (auto& p : m.named_parameters()) {
    const std::string& name = p.key();
    auto& t = p.value();
    if (ends_with(name, "norm.weight") || ends_with(name, "layernorm.weight")) {
      t.fill_(1.0);
    } else if (ends_with(name, ".bias")) {
      t.zero_();
    } else if (ends_with(name, "o_proj.weight") || ends_with(name, "down_proj.weight")) {
      t.normal_(0.0, residual_std);
    } else if (t.dim() >= 2) {
      t.normal_(0.0, std);
    }
  }
}

CausalLM clone_model(const CausalLMImpl& src) {
  CausalLM copy(src.config());
  copy->to(src.device(), src.model->embed_tokens->weight.scalar_type());
  torch::NoGradGuard no_grad;
  auto dst_params = copy->named_parameters();
  const auto src_params = src.named_parameters();
  check(src_params.size() == dst_params.size(), "clone_model",
        "the model holds inference-only layers (linear.h) whose weights are not parameters; clone it before "
        "replacing its projections");
  for (const auto& p : src_params) dst_params[p.key()].copy_(p.value());
  auto dst_buffers = copy->named_buffers();
  for (const auto& b : src.named_buffers()) dst_buffers[b.key()].copy_(b.value());
  return copy;
}

int64_t parameter_count(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

}  // namespace r1::model
