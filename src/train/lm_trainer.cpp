#include "train/lm_trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <limits>

#include "core/metrics.h"
#include "core/progress.h"
#include "dist/grad_reducer.h"
#include "model/causal_lm.h"
#include "model/moe.h"
#include "model/mtp.h"
#include "train/data_parallel.h"
#include "train/lr_schedule.h"
#include "train/step_guard.h"

namespace r1::train {
torch::Tensor lm_loss_sum(model::CausalLMImpl& model, const TokenBatch& b) {
  auto hidden = model.hidden_states(b.inputs, nullptr, b.valid);  // [B, T, C]; padding marked for MoE
  auto logits = model.logits(hidden);           // [B, T, V]
  auto ce = torch::nn::functional::cross_entropy(
      logits.reshape({-1, logits.size(-1)}).to(torch::kFloat), b.targets.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  auto sum = (ce * b.mask.reshape({-1})).sum();
  if (model::mtp_layers(model).empty() || !torch::GradMode::is_enabled()) return sum;
  // Multi-token prediction (DeepSeek-V3): input position j is a target when targets[j - 1] is.
  auto target_mask = torch::cat({torch::zeros_like(b.mask.narrow(1, 0, 1)), b.mask.narrow(1, 0, b.mask.size(1) - 1)}, 1) > 0;
  auto mtp = model::mtp_loss(model, b.inputs, hidden, b.valid, target_mask);  // a mean over targets
  return sum + mtp * static_cast<double>(b.tokens());
}

double lm_loss(model::CausalLMImpl& model, const TokenBatch& batch) {
  torch::NoGradGuard ng;
  return lm_loss_sum(model, batch).item<double>() / std::max<int64_t>(1, batch.tokens());
}

AdamWSettings adamw_settings(const LmTrainConfig& cfg) {
  return {cfg.lr, cfg.adam_beta1, cfg.adam_beta2, cfg.weight_decay};
}

namespace {

// Steps [start_step, end_step) on this rank's share of each step's examples: micro-batches, the
// gradients summed over the ranks (train/data_parallel.h), one optimizer step (skipped when the
// guard refuses it), a metrics line every log_every steps (rank 0), then after_step.
LmTrainResult train_steps(model::CausalLMImpl& model, const ExampleSource& source, const LmTrainConfig& cfg,
                          int64_t pad_id, MetricsWriter* metrics, const std::string& label, Optimizer& opt,
                          dist::Runtime& rt, int64_t start_step, int64_t end_step, StepGuard& guard,
                          const std::function<void(int64_t steps_done)>& after_step) {
  model.train();
  const bool has_moe = !model::moe_layers(model).empty();
  if (!rt.is_main()) metrics = nullptr;
  // Sum: each rank's loss is already divided by the step's global token count.
  dist::GradReducer reducer(rt, model.parameters(), dist::Reduce::sum);
  LrSchedule sched{cfg.lr, cfg.warmup_steps, cfg.steps, cfg.min_lr_ratio};
  Progress progress(label, end_step, "step", start_step, rt.is_main());
  LmTrainResult result;
  result.start_step = start_step;
  result.end_step = end_step;
  std::vector<double> losses;
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t step = start_step; step < end_step; ++step) {
    auto examples = rank_share(source(step), rt, "batch_size");
    const double lr = sched.at(step);
    opt.set_lr(lr);
    opt.zero_grad();
    // Micro-batches: each contributes its token-sum; the total is divided by all tokens of the step
    // on every rank.
    const size_t micro = cfg.micro_batch_size > 0 ? cfg.micro_batch_size : examples.size();
    std::vector<TokenBatch> batches;
    int64_t local_tokens = 0;
    for (size_t i = 0; i < examples.size(); i += micro) {
      std::vector<Example> part(examples.begin() + i, examples.begin() + std::min(examples.size(), i + micro));
      batches.push_back(make_batch(part, pad_id, model.device()));
      local_tokens += batches.back().tokens();
    }
    const auto step_tokens =
        static_cast<int64_t>(rt.all_reduce_scalar(static_cast<double>(local_tokens), dist::Reduce::sum, "step tokens"));
    double local_loss = 0;
    for (size_t i = 0; i < batches.size(); ++i) {
      auto l = lm_loss_sum(model, batches[i]) / static_cast<double>(std::max<int64_t>(1, step_tokens));
      // The sequence-wise balance loss of this micro-batch's forward (0 unless aux_loss_alpha > 0),
      // averaged over the micro-batches of all ranks.
      auto balance = model::moe_balance_loss(model) / static_cast<double>(batches.size() * rt.world_size());
      if (i + 1 == batches.size()) reducer.arm();  // earlier micro-batches accumulate locally
      (l + balance).backward();
      local_loss += l.item<double>();
    }
    reducer.finish();
    const double loss_sum = rt.all_reduce_scalar(local_loss, dist::Reduce::sum, "step loss");
    // The norm is measured even without clipping: the guard needs it. Every rank holds the same
    // summed gradient, so every rank clips alike and the guard decides alike.
    const double max_norm = cfg.grad_clip > 0 ? cfg.grad_clip : std::numeric_limits<double>::infinity();
    const double grad_norm = torch::nn::utils::clip_grad_norm_(model.parameters(), max_norm);
    if (!guard.accept(step, loss_sum, grad_norm, metrics)) {
      opt.zero_grad();
      if (after_step) after_step(step + 1);
      continue;
    }
    opt.step();
    double moe_imbalance = 0;
    if (has_moe) {
      all_reduce_moe_loads(rt, model);
      moe_imbalance = model::moe_load_stats(model).max_over_mean;
      model::update_moe_biases(model);  // auxiliary-loss-free balancing, after each optimizer step
    }
    losses.push_back(loss_sum);
    result.tokens += step_tokens;
    double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (metrics && (step % cfg.log_every == 0 || step + 1 == end_step))
      metrics->write({{"stage", label}, {"step", step}, {"loss", loss_sum}, {"lr", lr}, {"grad_norm", grad_norm},
                      {"tokens", result.tokens}, {"tokens_per_s", result.tokens / std::max(el, 1e-9)}, {"seconds", el},
                      {"moe_load_imbalance", moe_imbalance}, {"world_size", rt.world_size()}});
    char extra[96];
    std::snprintf(extra, sizeof extra, "loss %.4f | %.0f tok/s", loss_sum, result.tokens / std::max(el, 1e-9));
    progress.update(step + 1, extra);
    if (after_step) after_step(step + 1);
  }
  result.seconds = progress.elapsed_seconds();
  size_t tail = std::max<size_t>(1, losses.size() / 10);
  if (losses.empty()) tail = 0;
  for (size_t i = losses.size() - tail; i < losses.size(); ++i) result.final_loss += losses[i] / tail;
  char extra[96];
  std::snprintf(extra, sizeof extra, "final loss %.4f", result.final_loss);
  progress.finish(extra);
  return result;
}

}  // namespace

LmTrainResult train_lm(model::CausalLMImpl& model, const ExampleSource& source, const LmTrainConfig& cfg,
                       int64_t pad_id, MetricsWriter* metrics, const std::string& label) {
  Optimizer opt(model, adamw_settings(cfg));
  StepGuard guard(label, RunControl{}.max_nonfinite_steps);
  return train_steps(model, source, cfg, pad_id, metrics, label, opt, runtime_or_solo(nullptr), 0, cfg.steps, guard,
                     nullptr);
}

LmTrainResult train_lm_resumable(model::CausalLMImpl& model, const ExampleSource& source, const LmTrainConfig& cfg,
                                 int64_t pad_id, ResumableRun& run,
                                 const std::function<nlohmann::json(int64_t steps_done)>& state_of) {
  dist::Runtime& rt = runtime_or_solo(run.output().runtime);
  Optimizer opt(model, adamw_settings(cfg), &rt);
  run.begin(model, opt);
  const int64_t end_step = run.end_step(cfg.steps);
  const std::string label = run.output().stage;
  StepGuard guard(label, run.control().max_nonfinite_steps,
                  "the last good checkpoint is in " + run.output().dir + "/checkpoints");
  auto after = [&](int64_t done) {
    if (!run.due(done, end_step)) return;
    nlohmann::json state = state_of ? state_of(done) : nlohmann::json::object();
    state["total_steps"] = cfg.steps;
    run.save(done, model, opt, state);
  };
  return train_steps(model, source, cfg, pad_id, run.output().metrics, label, opt, rt, run.start_step(), end_step,
                     guard, after);
}

}  // namespace r1::train
