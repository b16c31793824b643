#include "model/causal_lm.h"

#include <torch/nn/init.h>
#include <torch/utils.h>

#include <cmath>

#include "core/error.h"
#include "model/blocks.h"
#include "model/mtp.h"

namespace r1::model {

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig& cfg, int64_t layer) {
  input_layernorm = register_module("input_layernorm", RMSNorm(cfg.hidden_size, cfg.rms_norm_eps));
  self_attn = register_module("self_attn", make_attention(cfg, layer));
  post_attention_layernorm = register_module("post_attention_layernorm", RMSNorm(cfg.hidden_size, cfg.rms_norm_eps));
  mlp = register_module("mlp", make_feed_forward(cfg, layer));
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const AttentionInput& in) {
  auto h = x + self_attn->forward(input_layernorm(x), in);
  return h + mlp->forward(post_attention_layernorm(h));
}

DecoderImpl::DecoderImpl(const ModelConfig& cfg) {
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(cfg.vocab_size, cfg.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < cfg.num_hidden_layers; ++i) layers->push_back(DecoderLayer(cfg, i));
  if (cfg.is_deepseek())
    for (int64_t k = 0; k < cfg.num_nextn_predict_layers; ++k)
      layers->push_back(MTPLayer(cfg, cfg.num_hidden_layers + k));
  norm = register_module("norm", RMSNorm(cfg.hidden_size, cfg.rms_norm_eps));
}

CausalLMImpl::CausalLMImpl(ModelConfig cfg) : cfg_(std::move(cfg)) {
  cfg_.validate();
  model = register_module("model", Decoder(cfg_));
  if (!cfg_.tie_word_embeddings)
    lm_head = register_module(
        "lm_head", torch::nn::Linear(torch::nn::LinearOptions(cfg_.hidden_size, cfg_.vocab_size).bias(false)));
  rope_dim_ = cfg_.is_deepseek() ? cfg_.qk_rope_head_dim : cfg_.resolved_head_dim();
  inv_freq_ = rope_inv_freq(rope_dim_, cfg_.rope_theta, cfg_.rope_scaling);
}

torch::Device CausalLMImpl::device() const { return model->embed_tokens->weight.device(); }

KVCache CausalLMImpl::make_cache(int64_t batch, int64_t capacity) const {
  auto opts = model->embed_tokens->weight.options().requires_grad(false);
  KVCache cache;
  for (int64_t i = 0; i < cfg_.num_hidden_layers; ++i)
    cache.layers.push_back(model->layers->ptr(i)->as<DecoderLayerImpl>()->self_attn->make_cache(batch, capacity, opts));
  cache.valid = torch::zeros({batch, capacity}, torch::dtype(torch::kBool).device(device()));
  cache.next_position = torch::zeros({batch}, torch::dtype(torch::kInt64).device(device()));
  cache.capacity = capacity;
  return cache;
}

// Query t sits at slot offset + t and sees slots s <= offset + t that are real (key_valid [B, S]);
// it always sees itself, so padded queries get a finite (ignored) output instead of NaN.
static torch::Tensor causal_mask(const torch::Tensor& key_valid, int64_t offset, int64_t T) {
  const int64_t S = key_valid.size(1);
  auto dev = key_valid.device();
  auto q_slot = torch::arange(offset, offset + T, torch::dtype(torch::kInt64).device(dev)).view({T, 1});
  auto k_slot = torch::arange(0, S, torch::dtype(torch::kInt64).device(dev)).view({1, S});
  auto causal = k_slot <= q_slot;                                                   // [T, S]
  auto mask = (causal.unsqueeze(0) & key_valid.unsqueeze(1)) | (k_slot == q_slot).unsqueeze(0);
  return mask.unsqueeze(1);                                                         // [B, 1, T, S]
}

AttentionInput CausalLMImpl::uncached_attention_input(const torch::Tensor& valid_in) const {
  auto valid = valid_in.to(torch::kBool);
  auto positions = (valid.to(torch::kInt64).cumsum(1) - 1).clamp_min(0);           // [B, T]
  return {rotary_tables(positions, inv_freq_.to(valid.device())), causal_mask(valid, 0, valid.size(1)), nullptr, 0,
          0};
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
  AttentionInput in{rotary_tables(positions, inv_freq_.to(dev)), causal_mask(key_valid, offset, T), cache, 0, offset};
  auto x = model->embed_tokens(ids);
  for (int64_t i = 0; i < cfg_.num_hidden_layers; ++i) {
    in.layer = i;
    x = model->layers[i]->as<DecoderLayerImpl>()->forward(x, in);
  }
  if (cache) {
    cache->length = S;
    cache->next_position += valid.to(torch::kInt64).sum(1);
  }
  return model->norm(x);
}

torch::Tensor CausalLMImpl::logits(const torch::Tensor& hidden) {
  return lm_head ? lm_head(hidden) : torch::matmul(hidden, model->embed_tokens->weight.t());
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
  for (const auto& p : src.named_parameters()) dst_params[p.key()].copy_(p.value());
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
