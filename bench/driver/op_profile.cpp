#include "op_profile.h"

#include <ATen/record_function.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "engine/generator.h"
#include "workloads.h"

namespace r1::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Totals {
  int64_t calls = 0, top_calls = 0;
  double self_s = 0;
};

// Callbacks are plain function pointers: the recording state is global, one profile at a time.
std::mutex g_mu;
std::map<std::string, Totals> g_totals;

struct Frame {
  Clock::time_point start;
  double child_s = 0;
};
thread_local std::vector<Frame> t_stack;

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction&) {
  t_stack.push_back({Clock::now(), 0});
  return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext*) {
  if (t_stack.empty()) return;  // an op that started before the callback was added
  const Frame f = t_stack.back();
  t_stack.pop_back();
  const double inclusive = std::chrono::duration<double>(Clock::now() - f.start).count();
  if (!t_stack.empty()) t_stack.back().child_s += inclusive;
  std::lock_guard<std::mutex> lock(g_mu);
  auto& t = g_totals[fn.name()];
  ++t.calls;
  t.top_calls += t_stack.empty();
  t.self_s += inclusive - f.child_s;
}

// Per-op totals of one generate call, with the callbacks on.
std::map<std::string, Totals> record(const std::function<void()>& work) {
  g_totals.clear();
  t_stack.clear();
  auto handle = at::addGlobalCallback(
      at::RecordFunctionCallback(on_start, on_end).scopes({at::RecordScope::FUNCTION}));
  work();
  at::removeCallback(handle);
  return std::move(g_totals);
}

double time_of(const std::function<void()>& work) {
  auto t0 = Clock::now();
  work();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

DecodeProfile profile_decode(model::CausalLMImpl& m, int64_t batch, int64_t prompt_len, int64_t steps) {
  const auto prompts = bench_prompts(batch, prompt_len, m.config().vocab_size);
  auto gen = [&](int64_t new_tokens) {
    return [&, new_tokens] {
      engine::GenerationConfig cfg;
      cfg.sampling.temperature = 1.0;
      cfg.sampling.max_new_tokens = new_tokens;
      engine::generate(m, prompts, 1, cfg);
    };
  };
  gen(steps)();  // warm-up
  DecodeProfile p;
  p.batch = batch;
  p.context = prompt_len;
  const double decode_steps = static_cast<double>(steps - 1);
  // The best of 3 for the unprofiled time: a step is milliseconds, scheduling noise is not.
  double full = 1e30, one = 1e30;
  for (int i = 0; i < 3; ++i) {
    full = std::min(full, time_of(gen(steps)));
    one = std::min(one, time_of(gen(1)));
  }
  p.step_ms = (full - one) / decode_steps * 1e3;
  std::map<std::string, Totals> a, b;
  const double profiled_full = time_of([&] { a = record(gen(steps)); });
  const double profiled_one = time_of([&] { b = record(gen(1)); });
  p.profiled_step_ms = (profiled_full - profiled_one) / decode_steps * 1e3;
  for (const auto& [name, t] : a) {
    const Totals base = b.count(name) ? b.at(name) : Totals{};
    OpStat s{name, (t.calls - base.calls) / decode_steps, (t.top_calls - base.top_calls) / decode_steps,
             (t.self_s - base.self_s) / decode_steps * 1e6};
    if (s.calls <= 0) continue;
    p.ops_per_step += s.calls;
    p.top_ops_per_step += s.top_calls;
    p.ops.push_back(s);
  }
  std::sort(p.ops.begin(), p.ops.end(), [](const OpStat& x, const OpStat& y) { return x.self_us > y.self_us; });
  const auto& c = m.config();
  const int64_t per_layer = c.hidden_size * (c.num_attention_heads + 2 * c.num_key_value_heads) * c.resolved_head_dim() +
                            c.num_attention_heads * c.resolved_head_dim() * c.hidden_size +
                            3 * c.hidden_size * c.intermediate_size;
  p.flops_per_step = 2.0 * batch * (per_layer * c.num_hidden_layers + c.hidden_size * c.vocab_size);
  return p;
}

}  // namespace r1::bench
