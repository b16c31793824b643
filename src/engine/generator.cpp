#include "engine/generator.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <chrono>
#include <exception>
#include <memory>
#include <thread>

#include "core/error.h"
#include "core/seed.h"
#include "engine/engine.h"
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

namespace {

// The reference path: every step recomputes the whole sequence so far, no cache; rows in lockstep.
std::vector<Completion> generate_full(model::CausalLMImpl& model, const std::vector<std::vector<int32_t>>& prompts,
                                      int64_t G, const GenerationConfig& cfg, const std::vector<uint64_t>& seeds) {
  const int64_t N = prompts.size(), R = N * G;
  std::vector<Completion> out(R);
  for (int64_t r = 0; r < R; ++r) out[r].prompt_index = r / G;
  struct AbsorbedWhileGenerating {  // as the engine: MLA on its absorbed path, back to naive after
    model::CausalLMImpl& m;
    explicit AbsorbedWhileGenerating(model::CausalLMImpl& m) : m(m) { model::set_mla_path(m, model::MLAPath::absorbed); }
    ~AbsorbedWhileGenerating() { model::set_mla_path(m, model::MLAPath::naive); }
  } absorbed(model);
  const auto dev = model.device();
  auto [ids, valid] = left_pad(prompts, cfg.pad_token_id);
  const int64_t P = ids.size(1), max_new = cfg.sampling.max_new_tokens;
  auto fan_out = torch::arange(N, torch::kInt64).repeat_interleave(G);  // [R]
  std::vector<at::Generator> gens;  // one per row: a row's draws depend on its seed alone
  for (int64_t r = 0; r < R; ++r) gens.push_back(at::make_generator<at::CPUGeneratorImpl>(seeds[r]));
  const bool greedy = cfg.sampling.temperature <= 0.0;
  auto stop_ids = torch::tensor(std::vector<int64_t>(cfg.stop_token_ids.begin(), cfg.stop_token_ids.end()), torch::kInt64);
  auto done = torch::zeros({R}, torch::kBool);
  std::vector<torch::Tensor> steps, step_logprobs;  // each [R]

  auto seq = ids.index_select(0, fan_out), seq_valid = valid.index_select(0, fan_out);
  auto last_logits = model.forward(seq.to(dev), nullptr, seq_valid.to(dev)).select(1, P - 1);
  for (int64_t step = 0; step < max_new; ++step) {
    auto logprobs = sampling_logprobs(last_logits.to(torch::kCPU), cfg.sampling);  // [R, V]
    auto next = greedy ? logprobs.argmax(-1) : sample_with_noise(logprobs, exponential_noise(logprobs.size(1), gens));
    step_logprobs.push_back(logprobs.gather(1, next.unsqueeze(1)).squeeze(1));  // [R]
    next = torch::where(done, torch::full_like(next, cfg.pad_token_id), next);
    steps.push_back(next);
    auto row_valid = ~done;
    if (stop_ids.numel() > 0) done = done | torch::isin(next, stop_ids);
    if (done.all().item<bool>() || step + 1 == max_new) break;
    seq = torch::cat({seq, next.unsqueeze(1)}, 1);
    seq_valid = torch::cat({seq_valid, row_valid.unsqueeze(1)}, 1);
    last_logits = model.forward(seq.to(dev), nullptr, seq_valid.to(dev)).select(1, -1);
  }

  // Tokens per row up to and including its stop token.
  auto all = torch::stack(steps, 1);  // [R, steps]
  auto acc = all.accessor<int64_t, 2>();
  auto all_logprobs = torch::stack(step_logprobs, 1);  // [R, steps]
  auto lp = all_logprobs.accessor<float, 2>();
  const auto& stops = cfg.stop_token_ids;
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
  }
  return out;
}

// The engine path: each prompt one request of G choices, all admitted at once (one batched
// prefill), each row leaving the batch when it ends. Prompts [first, last) of `prompts`.
void generate_engine(model::CausalLMImpl& model, const std::vector<std::vector<int32_t>>& prompts, int64_t first,
                     int64_t last, int64_t G, const GenerationConfig& cfg, const std::vector<uint64_t>& seeds,
                     std::vector<Completion>& out, std::unique_ptr<Engine>& engine) {
  EngineConfig ec;
  ec.max_running = (last - first) * G;
  ec.max_waiting = last - first;
  int64_t longest = 0;
  for (int64_t i = first; i < last; ++i) longest = std::max<int64_t>(longest, prompts[i].size());
  ec.max_context = longest + cfg.sampling.max_new_tokens;  // generate() never refuses a long prompt
  engine = std::make_unique<Engine>(model, ec);
  for (int64_t i = first; i < last; ++i) {
    RequestOptions o;
    o.sampling = cfg.sampling;
    o.n = G;
    o.choice_seeds.assign(seeds.begin() + i * G, seeds.begin() + (i + 1) * G);
    o.stop_token_ids = cfg.stop_token_ids;
    Completion* rows = &out[i * G];
    for (int64_t c = 0; c < G; ++c) rows[c].prompt_index = i;
    engine->submit(prompts[i], std::move(o), [rows](const TokenEvent& ev) {
      auto& row = rows[ev.choice];
      row.tokens.push_back(ev.token);
      row.logprobs.push_back(ev.logprob);
      row.stopped = ev.finish == FinishReason::stop;
      return true;
    });
  }
}

std::vector<Completion> generate_engines(model::CausalLMImpl& model, const std::vector<std::vector<int32_t>>& prompts,
                                         int64_t G, const GenerationConfig& cfg, const std::vector<uint64_t>& seeds) {
  const int64_t N = prompts.size();
  const int64_t W = std::max<int64_t>(1, std::min<int64_t>(cfg.workers, N));
  std::vector<Completion> out(N * G);
  // Engines are built here, one after another (the first fuses the model's projections), and run
  // in their threads; each writes only its own prompts' rows of `out`.
  std::vector<std::unique_ptr<Engine>> engines(W);
  for (int64_t w = 0; w < W; ++w) generate_engine(model, prompts, N * w / W, N * (w + 1) / W, G, cfg, seeds, out, engines[w]);
  if (W == 1) {
    engines[0]->run_until_idle();
    return out;
  }
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(W);
  for (int64_t w = 0; w < W; ++w)
    threads.emplace_back([&, w] {
      try {
        at::set_num_threads(1);  // a new thread's OpenMP default is every core
        torch::NoGradGuard no_grad;
        engines[w]->run_until_idle();
      } catch (...) {
        errors[w] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return out;
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
  check(cfg.workers >= 1, "generate", "workers must be at least 1, got " + std::to_string(cfg.workers));
  check(cfg.row_seeds.empty() || static_cast<int64_t>(cfg.row_seeds.size()) == R, "generate",
        "row_seeds has " + std::to_string(cfg.row_seeds.size()) + " seeds for " + std::to_string(R) + " rows");
  if (R == 0) return {};
  std::vector<uint64_t> seeds = cfg.row_seeds;
  for (int64_t r = static_cast<int64_t>(seeds.size()); r < R; ++r)
    seeds.push_back(derive_seed(cfg.sampling.seed, "generate", {static_cast<uint64_t>(r)}));
  auto out = cfg.use_cache ? generate_engines(model, prompts, G, cfg, seeds) : generate_full(model, prompts, G, cfg, seeds);
  if (stats) {
    int64_t prompt_tokens = 0, generated = 0;
    for (const auto& p : prompts) prompt_tokens += p.size();
    for (const auto& c : out) generated += c.tokens.size();
    stats->prompt_tokens += prompt_tokens;
    stats->generated_tokens += generated;
    stats->seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return out;
}

}  // namespace r1::engine
