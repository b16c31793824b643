#include "model/causal_lm.h"

#include <torch/utils.h>

#include <cmath>

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

KVCache CausalLMImpl::make_cache(int64_t batch, int64_t capacity) const {
  auto opts = model->norm->weight.options().requires_grad(false);
  KVCache cache;
  for (int64_t i = 0; i < cfg_.num_hidden_layers; ++i) cache.layers.push_back(make_layer_cache(i, batch, capacity, opts));
  cache.valid = torch::zeros({batch, capacity}, torch::dtype(torch::kBool).device(device()));
  cache.next_position = torch::zeros({batch}, torch::dtype(torch::kInt64).device(device()));
  cache.capacity = capacity;
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

torch::Tensor CausalLMImpl::hidden_states(const torch::Tensor& ids, KVCache* cache, const torch::Tensor& valid_in) {
  const auto B = ids.size(0), T = ids.size(1);
  auto dev = ids.device();
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
