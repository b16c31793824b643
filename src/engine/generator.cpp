#include "engine/generator.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <chrono>

#include "core/error.h"
#include "core/seed.h"
#include "model/causal_lm.h"
#include "model/mla.h"

namespace r1::engine {
namespace {

// Left-pads prompts into ids [N, P] and valid [N, P].
std::pair<torch::Tensor, torch::Tensor> left_pad(const std::vector<std::vector<int32_t>>& prompts, int64_t pad) {
  int64_t P = 0;
  for (const auto& p : prompts) P = std::max<int64_t>(P, p.size());
  const int64_t N = prompts.size();
  auto ids = torch::full({N, P}, pad, torch::kInt64);
  auto valid = torch::zeros({N, P}, torch::kBool);
  for (int64_t i = 0; i < N; ++i) {
    const auto& p = prompts[i];
    const int64_t off = P - static_cast<int64_t>(p.size());
    for (size_t t = 0; t < p.size(); ++t) ids[i][off + t] = p[t];
    valid[i].narrow(0, off, p.size()).fill_(true);
  }
  return {ids, valid};
}

}  // namespace

std::vector<Completion> generate(model::CausalLMImpl& model, const std::vector<std::vector<int32_t>>& prompts,
                                 int64_t samples_per_prompt, const GenerationConfig& cfg, GenerationStats* stats) {
  torch::NoGradGuard no_grad;
  auto t0 = std::chrono::steady_clock::now();
  const int64_t N = prompts.size(), G = samples_per_prompt, R = N * G;
  check(G > 0, "generate", "samples_per_prompt must be positive");
  for (size_t i = 0; i < prompts.size(); ++i)
    check(!prompts[i].empty(), "generate: prompt " + std::to_string(i), "is empty");
  std::vector<Completion> out(R);
  for (int64_t r = 0; r < R; ++r) out[r].prompt_index = r / G;
  if (R == 0) return out;

  // MLA decodes on the absorbed path (attention over the cached latent, no per-head K/V); the
  // model goes back to the naive training path when generation ends.
  struct AbsorbedWhileGenerating {
    model::CausalLMImpl& m;
    explicit AbsorbedWhileGenerating(model::CausalLMImpl& m) : m(m) { model::set_mla_path(m, model::MLAPath::absorbed); }
    ~AbsorbedWhileGenerating() { model::set_mla_path(m, model::MLAPath::naive); }
  } absorbed(model);
  const auto dev = model.device();
  auto [ids, valid] = left_pad(prompts, cfg.pad_token_id);
  ids = ids.to(dev);
  valid = valid.to(dev);
  const int64_t P = ids.size(1), max_new = cfg.sampling.max_new_tokens;
  auto fan_out = torch::arange(N, torch::kInt64).repeat_interleave(G).to(dev);  // [R]

  check(cfg.row_seeds.empty() || static_cast<int64_t>(cfg.row_seeds.size()) == R, "generate",
        "row_seeds has " + std::to_string(cfg.row_seeds.size()) + " seeds for " + std::to_string(R) + " rows");
  std::vector<at::Generator> gens;  // one per row: a row's draws depend on its seed alone
  for (int64_t r = 0; r < R; ++r)
    gens.push_back(at::make_generator<at::CPUGeneratorImpl>(
        cfg.row_seeds.empty() ? derive_seed(cfg.sampling.seed, "generate", {static_cast<uint64_t>(r)}) : cfg.row_seeds[r]));
  const bool greedy = cfg.sampling.temperature <= 0.0;
  auto stop_ids = torch::tensor(std::vector<int64_t>(cfg.stop_token_ids.begin(), cfg.stop_token_ids.end()),
                                torch::kInt64).to(dev);
  auto done = torch::zeros({R}, torch::dtype(torch::kBool).device(dev));
  std::vector<torch::Tensor> steps, step_logprobs;  // each [R]

  model::KVCache cache;
  torch::Tensor seq, seq_valid, last_logits;  // reference path: the whole sequence so far
  if (cfg.use_cache) {
    cache = model.make_cache(N, P + max_new);
    last_logits = model.forward(ids, &cache, valid).select(1, P - 1);  // [N, V]: one prefill per prompt
    cache.select_rows(fan_out);
    last_logits = last_logits.index_select(0, fan_out);
  } else {
    seq = ids.index_select(0, fan_out);
    seq_valid = valid.index_select(0, fan_out);
    last_logits = model.forward(seq, nullptr, seq_valid).select(1, P - 1);
  }

  for (int64_t step = 0; step < max_new; ++step) {
    // Sampling runs on CPU with per-row generators, so results don't depend on the device.
    auto logprobs = sampling_logprobs(last_logits.to(torch::kCPU), cfg.sampling);  // [R, V]
    auto next = greedy ? logprobs.argmax(-1) : sample_with_noise(logprobs, exponential_noise(logprobs.size(1), gens));
    step_logprobs.push_back(logprobs.gather(1, next.unsqueeze(1)).squeeze(1));  // [R]
    next = next.to(dev);
    next = torch::where(done, torch::full_like(next, cfg.pad_token_id), next);
    steps.push_back(next);
    auto row_valid = ~done;
    if (stop_ids.numel() > 0) done = done | torch::isin(next, stop_ids);
    if (done.all().item<bool>() || step + 1 == max_new) break;
    if (cfg.use_cache) {
      last_logits = model.forward(next.unsqueeze(1), &cache, row_valid.unsqueeze(1)).select(1, 0);
    } else {
      seq = torch::cat({seq, next.unsqueeze(1)}, 1);
      seq_valid = torch::cat({seq_valid, row_valid.unsqueeze(1)}, 1);
      last_logits = model.forward(seq, nullptr, seq_valid).select(1, -1);
    }
  }

  // Collect tokens per row up to and including its stop token.
  auto all = torch::stack(steps, 1).to(torch::kCPU);  // [R, steps]
  auto acc = all.accessor<int64_t, 2>();
  auto all_logprobs = torch::stack(step_logprobs, 1);  // [R, steps]
  auto lp = all_logprobs.accessor<float, 2>();
  std::vector<int32_t> stops(cfg.stop_token_ids);
  int64_t generated = 0;
  for (int64_t r = 0; r < R; ++r) {
    for (int64_t t = 0; t < all.size(1); ++t) {
      int32_t tok = static_cast<int32_t>(acc[r][t]);
      out[r].tokens.push_back(tok);
      out[r].logprobs.push_back(lp[r][t]);
      if (std::find(stops.begin(), stops.end(), tok) != stops.end()) {
        out[r].stopped = true;
        break;
      }
    }
    generated += out[r].tokens.size();
  }
  if (stats) {
    int64_t prompt_tokens = 0;
    for (const auto& p : prompts) prompt_tokens += p.size();
    stats->prompt_tokens += prompt_tokens;
    stats->generated_tokens += generated;
    stats->seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return out;
}

}  // namespace r1::engine
