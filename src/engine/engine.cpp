#include "engine/engine.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/seed.h"
#include "model/causal_lm.h"
#include "model/mla.h"

namespace r1::engine {

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::stop: return "stop";
    case FinishReason::length: return "length";
    case FinishReason::cancelled: return "cancelled";
    case FinishReason::none: break;
  }
  return "";
}

namespace {

struct Request {
  int64_t id = 0;
  std::vector<int32_t> prompt;
  RequestOptions opts;
  TokenSink sink;
  int64_t live = 0;  // choices still running
};

// One running choice; seqs[r] is batch row r of the slot cache.
struct Seq {
  std::shared_ptr<Request> req;
  int64_t choice = 0;
  at::Generator gen;
  int64_t generated = 0;
  int32_t last = 0;  // the token the next decode step feeds
};

// Rows sampled with one SamplingParams (the rows of requests with equal temperature/top_p/top_k).
struct Group {
  const SamplingParams* params;
  std::vector<int64_t> rows;
};

bool same_distribution(const SamplingParams& a, const SamplingParams& b) {
  const bool ga = a.temperature <= 0.0, gb = b.temperature <= 0.0;
  if (ga || gb) return ga == gb;
  return a.temperature == b.temperature && a.top_p == b.top_p && a.top_k == b.top_k;
}

std::string num(int64_t x) { return std::to_string(x); }

}  // namespace

struct Engine::State {
  State(model::CausalLMImpl& m, EngineConfig c) : model(m), cfg(std::move(c)) {}

  model::CausalLMImpl& model;
  EngineConfig cfg;
  int64_t max_context = 0;
  int64_t vocab = 0;

  mutable std::mutex mu;  // guards the fields below up to `seqs`
  std::deque<std::shared_ptr<Request>> waiting;
  std::set<int64_t> cancelled;
  int64_t next_id = 1;
  EngineStats stats;

  // The step thread's own.
  std::vector<Seq> seqs;
  model::KVCache slots;  // ragged, cfg.max_running rows; rows [0, seqs.size()) are running

  // Drops rows marked in `done` [seqs.size()], filling each hole with the last running row so the
  // running rows stay a prefix of the slot cache.
  void compact(std::vector<char>& done) {
    int64_t n = seqs.size();
    for (int64_t r = 0; r < n; ++r) {
      while (r < n && done[r]) {
        --n;
        if (r != n) {
          slots.move_row(r, n);
          seqs[r] = std::move(seqs[n]);
          done[r] = done[n];
        }
      }
    }
    seqs.resize(n);
  }

  // Prefills the admitted requests' prompts in one left-padded batch, copies each prompt's slots into
  // rows for its n choices after the running ones, and returns the last prompt position's logits per
  // new row [rows, V].
  torch::Tensor admit(const std::vector<std::shared_ptr<Request>>& admitted) {
    const auto dev = model.device();
    int64_t P = 0, need = 0;
    for (const auto& r : admitted) {
      P = std::max<int64_t>(P, r->prompt.size());
      need = std::max<int64_t>(need, r->prompt.size() + r->opts.sampling.max_new_tokens);
    }
    if (need > slots.capacity) slots.grow(std::min(max_context, std::max(need, 2 * slots.capacity)));
    const int64_t k = admitted.size();
    std::vector<int64_t> ids(k * P, 0);
    auto valid = torch::zeros({k, P}, torch::kBool);
    for (int64_t j = 0; j < k; ++j) {
      const auto& p = admitted[j]->prompt;
      const int64_t off = P - static_cast<int64_t>(p.size());
      for (size_t t = 0; t < p.size(); ++t) ids[j * P + off + t] = p[t];
      valid[j].narrow(0, off, p.size()).fill_(true);
    }
    auto pre = model.make_cache(k, P);
    auto last = model.forward(torch::tensor(ids, torch::kInt64).view({k, P}).to(dev), &pre, valid.to(dev))
                    .select(1, P - 1);  // [k, V]
    std::vector<int64_t> fan;
    for (int64_t j = 0; j < k; ++j) {
      auto& req = admitted[j];
      const int64_t len = req->prompt.size(), n = req->opts.n, row0 = seqs.size();
      slots.copy_rows(row0, n, pre, j, P - len, len);
      for (int64_t c = 0; c < n; ++c) {
        const uint64_t seed = req->opts.choice_seeds.empty()
                                  ? derive_seed(req->opts.sampling.seed, "generate", {static_cast<uint64_t>(c)})
                                  : req->opts.choice_seeds[c];
        seqs.push_back({req, c, at::make_generator<at::CPUGeneratorImpl>(seed), 0, 0});
        fan.push_back(j);
      }
      req->live = n;
    }
    return last.index_select(0, torch::tensor(fan, torch::kInt64).to(dev));
  }

  // Draws every row's next token from logits [rows, V] under its request's distribution, the noise
  // from the row's own generator; fills tokens, log-probs and top alternatives per row.
  void sample(const torch::Tensor& logits_dev, std::vector<int32_t>& tokens, std::vector<float>& logprobs,
              std::vector<std::vector<std::pair<int32_t, float>>>& tops) {
    const int64_t n = seqs.size();
    auto logits = logits_dev.to(torch::kCPU);  // sampling on CPU, so results do not depend on the device
    std::vector<Group> groups;
    for (int64_t r = 0; r < n; ++r) {
      const auto& p = seqs[r].req->opts.sampling;
      auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return same_distribution(*x.params, p); });
      if (g == groups.end()) groups.push_back({&p, {r}});
      else g->rows.push_back(r);
    }
    tokens.assign(n, 0);
    logprobs.assign(n, 0.0f);
    tops.assign(n, {});
    for (const auto& g : groups) {
      const bool all = static_cast<int64_t>(g.rows.size()) == n;
      auto lg = all ? logits : logits.index_select(0, torch::tensor(g.rows, torch::kInt64));
      auto lp = sampling_logprobs(lg, *g.params);  // [g, V]
      torch::Tensor next;
      if (g.params->temperature <= 0.0) {
        next = lp.argmax(-1);
      } else {
        std::vector<at::Generator> gens;
        for (auto r : g.rows) gens.push_back(seqs[r].gen);
        next = sample_with_noise(lp, exponential_noise(lp.size(1), gens));
      }
      auto chosen = lp.gather(1, next.unsqueeze(1)).squeeze(1);
      int64_t top_k = 0;
      for (auto r : g.rows) top_k = std::max(top_k, seqs[r].req->opts.top_logprobs);
      torch::Tensor top_v, top_i;
      if (top_k > 0) std::tie(top_v, top_i) = lp.topk(std::min(top_k, lp.size(1)), -1);
      auto next_a = next.accessor<int64_t, 1>();
      auto chosen_a = chosen.accessor<float, 1>();
      std::optional<at::TensorAccessor<float, 2>> top_va;
      std::optional<at::TensorAccessor<int64_t, 2>> top_ia;
      if (top_k > 0) {
        top_va.emplace(top_v.accessor<float, 2>());
        top_ia.emplace(top_i.accessor<int64_t, 2>());
      }
      for (size_t i = 0; i < g.rows.size(); ++i) {
        const int64_t r = g.rows[i];
        tokens[r] = static_cast<int32_t>(next_a[i]);
        logprobs[r] = chosen_a[i];
        const int64_t want = std::min(seqs[r].req->opts.top_logprobs, vocab);
        for (int64_t t = 0; t < want; ++t)
          tops[r].emplace_back(static_cast<int32_t>((*top_ia)[i][t]), (*top_va)[i][t]);
      }
    }
  }
};

Engine::Engine(model::CausalLMImpl& model, EngineConfig cfg) : s_(std::make_unique<State>(model, std::move(cfg))) {
  auto& s = *s_;
  const auto& mc = model.config();
  check(s.cfg.max_running >= 1, "engine config max_running", "must be at least 1, got " + num(s.cfg.max_running));
  check(s.cfg.max_waiting >= 1, "engine config max_waiting",
        "must be at least 1 (every request waits in the queue until the next step admits it), got " +
            num(s.cfg.max_waiting));
  check(s.cfg.max_context >= 0, "engine config max_context", "must be at least 0, got " + num(s.cfg.max_context));
  const std::map<std::string, model::DecodeAttention> kinds{{"kernel", model::DecodeAttention::kernel},
                                                           {"broadcast", model::DecodeAttention::broadcast},
                                                           {"matmul", model::DecodeAttention::matmul}};
  check(kinds.count(s.cfg.decode_attention) > 0, "engine config decode_attention",
        "must be kernel, broadcast or matmul, got '" + s.cfg.decode_attention + "'");
  s.max_context = s.cfg.max_context > 0 ? s.cfg.max_context : mc.max_position_embeddings;
  s.vocab = mc.vocab_size;
  // MLA decodes on the absorbed path (attention over the cached latent, no per-head K/V); the model
  // goes back to the naive training path when the engine ends.
  model::set_mla_path(model, model::MLAPath::absorbed);
  if (s.cfg.fuse_projections) {
    // Engines may be built on one model from several threads (parallel workers): one fuses.
    static std::mutex fusing;
    std::lock_guard<std::mutex> lock(fusing);
    model::fuse_projections(model);
  }
  // Slots start small and grow with the longest admitted request (up to max_context).
  s.slots = model.make_cache(s.cfg.max_running, 0, /*ragged=*/true);
  s.slots.decode_attention = kinds.at(s.cfg.decode_attention);
}

Engine::~Engine() {
  model::set_mla_path(s_->model, model::MLAPath::naive);
}

const EngineConfig& Engine::config() const { return s_->cfg; }

EngineStats Engine::stats() const {
  std::lock_guard<std::mutex> lock(s_->mu);
  auto st = s_->stats;
  st.waiting = s_->waiting.size();
  return st;
}

int64_t Engine::submit(std::vector<int32_t> prompt, RequestOptions opts, TokenSink sink) {
  auto& s = *s_;
  using W = Rejected::Why;
  const auto& sp = opts.sampling;
  auto invalid = [](const std::string& what) { throw Rejected(W::invalid, what); };
  if (prompt.empty()) invalid("the prompt is empty");
  if (opts.n < 1) invalid("n must be at least 1, got " + num(opts.n));
  if (opts.n > s.cfg.max_running)
    invalid("n = " + num(opts.n) + " choices exceed max_running = " + num(s.cfg.max_running) + " batch slots");
  if (!opts.choice_seeds.empty() && static_cast<int64_t>(opts.choice_seeds.size()) != opts.n)
    invalid("choice_seeds has " + num(opts.choice_seeds.size()) + " seeds for n = " + num(opts.n) + " choices");
  if (sp.max_new_tokens < 1) invalid("max_new_tokens must be at least 1, got " + num(sp.max_new_tokens));
  if (!(sp.temperature >= 0.0)) invalid("temperature must be at least 0, got " + std::to_string(sp.temperature));
  if (!(sp.top_p > 0.0 && sp.top_p <= 1.0)) invalid("top_p must be in (0, 1], got " + std::to_string(sp.top_p));
  if (sp.top_k < 0) invalid("top_k must be at least 0, got " + num(sp.top_k));
  if (opts.top_logprobs < 0) invalid("top_logprobs must be at least 0, got " + num(opts.top_logprobs));
  for (size_t t = 0; t < prompt.size(); ++t)
    if (prompt[t] < 0 || prompt[t] >= s.vocab)
      invalid("prompt token " + num(t) + " is " + num(prompt[t]) + ", outside the vocabulary of " + num(s.vocab));
  const int64_t total = static_cast<int64_t>(prompt.size()) + sp.max_new_tokens;
  if (total > s.max_context)
    throw Rejected(W::prompt_too_long, "prompt of " + num(prompt.size()) + " tokens plus max_new_tokens " +
                                           num(sp.max_new_tokens) + " = " + num(total) + " exceeds max_context " +
                                           num(s.max_context));
  auto req = std::make_shared<Request>();
  req->prompt = std::move(prompt);
  req->opts = std::move(opts);
  req->sink = std::move(sink);
  std::lock_guard<std::mutex> lock(s.mu);
  if (static_cast<int64_t>(s.waiting.size()) >= s.cfg.max_waiting)
    throw Rejected(W::queue_full, "queue full: " + num(s.waiting.size()) + " requests waiting, max_waiting " +
                                      num(s.cfg.max_waiting));
  req->id = s.next_id++;
  s.waiting.push_back(req);
  return req->id;
}

void Engine::cancel(int64_t id) {
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->cancelled.insert(id);
}

bool Engine::step() {
  auto& s = *s_;
  torch::NoGradGuard no_grad;
  const auto t0 = std::chrono::steady_clock::now();
  int64_t finished_requests = 0;

  // Cancellations and admissions (FIFO: a request waits until its n choices fit).
  std::set<int64_t> cancels;
  std::vector<std::shared_ptr<Request>> admitted;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    cancels.swap(s.cancelled);
    for (auto it = s.waiting.begin(); it != s.waiting.end();) {
      if (cancels.count((*it)->id)) {
        it = s.waiting.erase(it);
        ++finished_requests;
      } else {
        ++it;
      }
    }
    int64_t free = s.cfg.max_running - static_cast<int64_t>(s.seqs.size());
    for (const auto& r : s.seqs)
      if (cancels.count(r.req->id)) ++free;
    while (!s.waiting.empty() && s.waiting.front()->opts.n <= free) {
      free -= s.waiting.front()->opts.n;
      admitted.push_back(std::move(s.waiting.front()));
      s.waiting.pop_front();
    }
  }
  if (!cancels.empty() && !s.seqs.empty()) {
    std::vector<char> done(s.seqs.size(), 0);
    for (size_t r = 0; r < s.seqs.size(); ++r) {
      auto& req = *s.seqs[r].req;
      if (!cancels.count(req.id)) continue;
      done[r] = 1;
      if (--req.live == 0) ++finished_requests;
    }
    s.compact(done);
  }
  if (s.seqs.empty() && admitted.empty()) {
    std::lock_guard<std::mutex> lock(s.mu);
    s.stats.requests_finished += finished_requests;
    s.stats.running = 0;
    return false;
  }

  // One decode step over the running rows, then the new rows' prefill.
  const int64_t n_old = s.seqs.size();
  std::vector<torch::Tensor> logits;
  if (n_old > 0) {
    std::vector<int64_t> ids(n_old);
    for (int64_t r = 0; r < n_old; ++r) ids[r] = s.seqs[r].last;
    auto view = s.slots.rows(n_old);
    logits.push_back(
        s.model.forward(torch::tensor(ids, torch::kInt64).view({n_old, 1}).to(s.model.device()), &view).select(1, 0));
    std::copy(view.row_length.begin(), view.row_length.end(), s.slots.row_length.begin());
  }
  int64_t prompt_tokens = 0;
  if (!admitted.empty()) {
    logits.push_back(s.admit(admitted));
    for (const auto& r : admitted) prompt_tokens += r->prompt.size();
  }
  auto all = logits.size() == 1 ? logits[0] : torch::cat(logits);  // [rows, V]

  std::vector<int32_t> tokens;
  std::vector<float> logprobs;
  std::vector<std::vector<std::pair<int32_t, float>>> tops;
  s.sample(all, tokens, logprobs, tops);

  // Hand each token to its sink; a row that ends leaves the batch now.
  const int64_t n = s.seqs.size();
  std::vector<char> done(n, 0);
  for (int64_t r = 0; r < n; ++r) {
    auto& q = s.seqs[r];
    auto& req = *q.req;
    ++q.generated;
    q.last = tokens[r];
    TokenEvent ev;
    ev.request_id = req.id;
    ev.choice = q.choice;
    ev.token = tokens[r];
    ev.logprob = logprobs[r];
    ev.top = std::move(tops[r]);
    const auto& stops = req.opts.stop_token_ids;
    if (std::find(stops.begin(), stops.end(), tokens[r]) != stops.end())
      ev.finish = FinishReason::stop;
    else if (q.generated >= req.opts.sampling.max_new_tokens ||
             static_cast<int64_t>(req.prompt.size()) + q.generated >= s.max_context)
      ev.finish = FinishReason::length;
    const bool more = req.sink ? req.sink(ev) : true;
    if (ev.finish != FinishReason::none || !more) {
      done[r] = 1;
      if (--req.live == 0) ++finished_requests;
    }
  }
  s.compact(done);

  std::lock_guard<std::mutex> lock(s.mu);
  s.stats.requests_finished += finished_requests;
  s.stats.running = s.seqs.size();
  s.stats.prompt_tokens += prompt_tokens;
  s.stats.generated_tokens += n;
  if (n_old > 0) {
    ++s.stats.decode_steps;
    s.stats.decoded_rows += n_old;
  }
  s.stats.busy_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return true;
}

}  // namespace r1::engine
