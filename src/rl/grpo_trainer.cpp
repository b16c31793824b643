#include "rl/grpo_trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>

#include "core/error.h"
#include "core/metrics.h"
#include "core/progress.h"
#include "dist/grad_reducer.h"
#include "dist/runtime.h"
#include "io/checkpoint.h"
#include "io/safetensors.h"
#include "model/causal_lm.h"
#include "model/moe.h"
#include "rewards/language.h"
#include "rewards/weighted_reward.h"
#include "rl/advantage_estimator.h"
#include "rl/grpo_batch.h"
#include "rl/overlong_shaping.h"
#include "rl/rollout_policy.h"
#include "train/data_parallel.h"
#include "train/lr_schedule.h"
#include "train/optimizer.h"
#include "train/resumable_run.h"
#include "train/step_guard.h"

namespace r1::rl {
namespace {

// The loss's settings from the run's: GSPO clips its sequence ratio with its own small band.
GrpoLossConfig loss_config(const GrpoConfig& c) {
  GrpoLossConfig l;
  l.policy = parse_policy_loss(c.policy_loss);
  const bool gspo = l.policy == PolicyLoss::kGspo;
  l.epsilon_low = gspo ? c.gspo_epsilon_low : c.epsilon_low;
  l.epsilon_high = gspo ? c.gspo_epsilon_high : c.epsilon_high;
  l.beta = c.beta;
  l.aggregation = parse_loss_aggregation(c.loss_type);
  l.max_completion_length = c.max_new_tokens;
  l.epsilon_high_is = c.epsilon_high_is;
  return l;
}

// rl.scale_rewards = false with advantage grpo is Dr. GRPO's grpo_no_std (the key predates rl.advantage).
AdvantageEstimator advantage_estimator(const GrpoConfig& c) {
  auto e = parse_advantage_estimator(c.advantage);
  return e == AdvantageEstimator::kGrpo && !c.scale_rewards ? AdvantageEstimator::kGrpoNoStd : e;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// What one step hands from phase to phase.
// On W ranks it holds this rank's N of the step's prompts (train/data_parallel.h).
struct StepData {
  std::vector<rollout::RolloutPrompt> prompts;  // [N]
  std::vector<rollout::ScoredSample> samples;   // [N * G], grouped by prompt
  torch::Tensor rewards;                        // [N * G]
  torch::Tensor advantages;                     // [N * G]
  torch::Tensor group_std;                      // [N] population std of each group's rewards
};

using dist::Reduce;

class GrpoTrainer {
 public:
  GrpoTrainer(model::CausalLMImpl& policy, const GrpoEnvironment& env, const GrpoConfig& cfg, MetricsWriter* metrics,
              const GrpoRun& run)
      : policy_(policy), env_(env), cfg_(cfg), rt_(train::runtime_or_solo(run.runtime)),
        metrics_(rt_.is_main() ? metrics : nullptr), where_(run), rollout_policy_(policy, cfg.rollout_quant),
        // AdamW as the other trainers build it (train/optimizer.h); β2 = 0.99 for the short RL runs.
        opt_(policy, {cfg.lr, 0.9, 0.99, cfg.weight_decay}, &rt_),
        // Sum: each rank's loss is already divided by the batch's global normalizer.
        reducer_(rt_, policy.parameters(), Reduce::sum),
        sched_{cfg.lr, cfg.warmup_steps, cfg.steps, 1.0, "constant"},
        loss_cfg_(loss_config(cfg)), estimator_(advantage_estimator(cfg)),
        mismatch_cfg_{parse_mismatch_correction(cfg.mismatch), parse_mismatch_level(cfg.mismatch_level), cfg.mismatch_cap},
        guard_(run.stage, run.control.max_nonfinite_steps,
               run.checkpoint_dir.empty() ? "" : "the last good checkpoint is in " + run.checkpoint_dir + "/checkpoints") {
    check(cfg.group_size >= 2, "config key rl.group_size", "must be >= 2 (advantages compare samples of a group)");
    check(cfg.temperature > 0, "config key rl.temperature", "must be > 0 (GRPO samples; 0 would be greedy)");
    check(cfg.num_iterations >= 1, "config key rl.num_iterations", "must be >= 1");
    rollout_cfg_.sampling.temperature = cfg.temperature;
    rollout_cfg_.sampling.top_p = cfg.top_p;
    rollout_cfg_.sampling.max_new_tokens = cfg.max_new_tokens;
    rollout_cfg_.sampling.seed = cfg.seed;
    rollout_cfg_.stream = "grpo";
    rollout_cfg_.samples_per_prompt = cfg.group_size;
    rollout_cfg_.eos_id = env.eos_id;
    rollout_cfg_.pad_id = env.pad_id;
    weights_ = {cfg.accuracy_weight, cfg.format_weight, cfg.language_weight};
    // The reference is a deep copy, frozen; only built when the KL term is on.
    if (cfg.beta != 0.0) {
      reference_ = model::clone_model(policy);
      reference_->eval();
    }
  }

  int64_t train(const std::function<void(int64_t, const GrpoStepStats&)>& on_step) {
    const int64_t start = resume();
    const int64_t stop_after = where_.control.stop_after;
    const int64_t end = run_ ? run_->end_step(cfg_.steps) : stop_after > 0 ? std::min(cfg_.steps, stop_after) : cfg_.steps;
    Progress progress(where_.stage, cfg_.steps, "step", start, rt_.is_main());
    for (int64_t step = start; step < end; ++step) {
      GrpoStepStats st;
      StepData d = rollout(step, st);
      score(d, st);
      if (cfg_.dynamic_sampling) fill(step, d, st);
      advantages(d, st);
      update(step, d, st);
      log(step, st, progress);
      if (on_step) on_step(step, st);
      if (run_ && run_->due(step + 1, end)) save(step + 1);
    }
    progress.finish();
    return end;
  }

 private:
  // Restores the latest checkpoint (policy, AdamW, reference) when the run has one; the first step.
  int64_t resume() {
    if (where_.checkpoint_dir.empty()) return 0;
    train::RunControl control = where_.control;
    control.fingerprint["grpo"] = {{"total_steps", cfg_.steps}, {"seed", cfg_.seed}};
    run_.emplace(control, train::RunOutput{where_.checkpoint_dir, where_.stage, metrics_, where_.tokenizer,
                                           where_.tokenizer_config, &rt_});
    run_->begin(policy_, opt_);
    rollout_policy_.policy_updated();
    if (reference_ && !run_->resumed_from().empty()) {
      auto ref = io::load_safetensors(run_->resumed_from() + "/reference.safetensors");
      io::load_into(*reference_, ref, true, reference_->config().tie_word_embeddings);
    }
    return run_->start_step();
  }

  void save(int64_t steps_done) {
    std::map<std::string, io::TensorMap> extra;
    if (reference_) extra["reference"] = io::named_tensors_of(*reference_);  // inside the atomic step dir
    run_->save(steps_done, policy_, opt_, {{"total_steps", cfg_.steps}, {"seed", cfg_.seed}}, extra);
  }

  // 1. Rollout: G scored samples per prompt, one prefill per prompt. `prompt_step` is the step
  // whose prompts are drawn (dynamic sampling's extra draws read others, see GrpoEnvironment).
  StepData rollout(int64_t prompt_step, GrpoStepStats& st) {
    auto t0 = std::chrono::steady_clock::now();
    StepData d;
    auto all = env_.prompts(prompt_step);
    for (size_t i = 0; i < all.size(); ++i) all[i].index = static_cast<uint64_t>(prompt_step * cfg_.prompts_per_step) + i;
    // Whole prompts (groups) per rank; each sample's seed is its global (prompt, sample) index.
    d.prompts = train::rank_share(all, rt_, "rl.prompts_per_step");
    engine::GenerationStats gs;
    d.samples = rollout::rollout_and_score(rollout_policy_.model(), d.prompts, env_.decode, rollout_cfg_, &gs);
    st.rollout_seconds = seconds_since(t0);
    st.rollout_tokens_per_s = gs.generated_tokens / std::max(1e-9, gs.seconds);
    return d;
  }

  // 2b. Dynamic sampling (DAPO): keep the groups whose rewards differ, drawing more prompt batches
  // (at most max_extra_draws) until prompts_per_step are kept. The step's reward statistics stay
  // those of its first draw (what the policy does); the extra draws add their rollout time.
  // On W ranks the groups kept are the first prompts_per_step varied ones of the global batch in
  // order (draw, then rank, then prompt), as one process keeps them: each rank keeps its own of
  // those, so the ranks may train on different numbers of groups.
  void fill(int64_t step, StepData& d, GrpoStepStats& st) {
    const int64_t G = cfg_.group_size, want = cfg_.prompts_per_step;
    StepData kept;
    std::vector<float> kept_rewards;
    int64_t kept_total = 0;  // over all ranks
    auto take_varied = [&](const StepData& from) {
      auto r = from.rewards.view({-1, G});
      auto varied = (r.amax(1) != r.amin(1));  // [N]
      // Varied groups per rank, so each rank knows how many of the quota the ranks before it take.
      std::vector<double> per_rank(rt_.world_size(), 0.0);
      per_rank[rt_.rank()] = varied.sum().item<double>();
      per_rank = rt_.all_reduce_scalars(per_rank, Reduce::sum, "dynamic sampling: varied groups per rank");
      int64_t before = 0, total = 0;
      for (int k = 0; k < rt_.world_size(); ++k) {
        if (k < rt_.rank()) before += static_cast<int64_t>(per_rank[k]);
        total += static_cast<int64_t>(per_rank[k]);
      }
      int64_t mine = std::clamp<int64_t>(want - kept_total - before, 0, static_cast<int64_t>(per_rank[rt_.rank()]));
      kept_total = std::min(want, kept_total + total);
      for (int64_t g = 0; g < r.size(0) && mine > 0; ++g) {
        if (!varied[g].item<bool>()) continue;
        --mine;
        const int64_t slot = kept.prompts.size();
        kept.prompts.push_back(from.prompts[g]);
        for (int64_t j = 0; j < G; ++j) {
          kept.samples.push_back(from.samples[g * G + j]);
          kept.samples.back().prompt = slot;
          kept_rewards.push_back(from.rewards[g * G + j].item<float>());
        }
      }
    };
    auto first = d.rewards.view({-1, G});
    st.zero_std_groups = batch_mean((first.amax(1) == first.amin(1)).to(torch::kFloat).sum().item<double>(),
                                    first.size(0), "zero-std groups");
    take_varied(d);
    int64_t draws = 0;
    while (kept_total < want && draws < cfg_.max_extra_draws) {
      ++draws;
      GrpoStepStats extra;
      StepData more = rollout(draws * cfg_.steps + step, extra);
      score(more, extra);
      st.rollout_seconds += extra.rollout_seconds;
      take_varied(more);
    }
    st.extra_draws = draws;
    st.kept_groups = static_cast<double>(kept_total) / want;
    kept.rewards = torch::tensor(kept_rewards);
    d = std::move(kept);
  }

  // sum / count of a statistic over every rank's share of the batch.
  double batch_mean(double local_sum, double local_count, const std::string& what) {
    const auto v = rt_.all_reduce_scalars({local_sum, local_count}, Reduce::sum, what);
    return v[0] / std::max(1.0, v[1]);
  }

  // 2. Score: one scalar reward per sample, the weighted rule-based terms (rewards/weighted_reward.h).
  // The step's statistics are means over the global batch.
  void score(StepData& d, GrpoStepStats& st) {
    const int64_t R = d.samples.size();
    std::vector<float> rewards(R);
    for (int64_t r = 0; r < R; ++r) {
      const auto& s = d.samples[r];
      rewards::RewardTerms terms{s.score.reward, s.score.well_formed ? 1.0 : 0.0,
                                 rewards::cot_language_reward(s.response, cfg_.language)};
      double reward = rewards::weighted_reward(terms, weights_);
      if (cfg_.overlong_buffer > 0) {  // DAPO's length penalty (overlong_shaping.h)
        const double p = overlong_penalty(s.response_tokens(), cfg_.max_new_tokens, cfg_.overlong_buffer,
                                          cfg_.overlong_penalty);
        reward += p;
        st.overlong_penalty += p;
      }
      rewards[r] = static_cast<float>(reward);
      st.accuracy += s.score.correct;
      st.format += terms.format;
      st.language += terms.language;
      st.think_rate += s.score.thinks;
      st.response_length += s.response_tokens();
      st.stopped += s.stopped;
    }
    d.rewards = torch::tensor(rewards);
    st.reward = d.rewards.sum().item<double>();
    const std::vector<double*> means = {&st.reward, &st.accuracy, &st.format, &st.think_rate, &st.response_length,
                                        &st.stopped, &st.language, &st.overlong_penalty};
    std::vector<double> sums;
    for (double* v : means) sums.push_back(*v);
    sums.push_back(static_cast<double>(R));
    sums = rt_.all_reduce_scalars(sums, Reduce::sum, "rollout statistics");
    for (size_t k = 0; k < means.size(); ++k) *means[k] = sums[k] / std::max(1.0, sums.back());
  }

  // 3. Advantages: each sample's reward against its group's (advantage_estimator.h).
  void advantages(StepData& d, GrpoStepStats& st) {
    d.group_std = d.rewards.view({-1, cfg_.group_size}).std(1, /*unbiased=*/false);
    // Under dynamic sampling every kept group varies: fill() reports its first draw's share instead.
    if (!cfg_.dynamic_sampling)
      st.zero_std_groups =
          batch_mean((d.group_std == 0).to(torch::kFloat).sum().item<double>(), d.group_std.size(0), "zero-std groups");
    torch::Tensor token_counts;  // the batch whitening's weights: the tokens trained on
    if (estimator_ == AdvantageEstimator::kReinforcePPBaseline) {
      std::vector<float> counts(d.samples.size());
      auto group_std = d.group_std.accessor<float, 1>();
      for (size_t r = 0; r < counts.size(); ++r)
        counts[r] = cfg_.drop_equal_reward_groups && group_std[r / cfg_.group_size] == 0
                        ? 0.0f
                        : static_cast<float>(d.samples[r].response_tokens());
      token_counts = torch::tensor(counts);
    }
    // Groups are whole on each rank; only the batch whitening needs the other ranks' statistics.
    auto batch_sum = [this](const std::vector<double>& v) {
      return rt_.all_reduce_scalars(v, Reduce::sum, "advantage whitening");
    };
    d.advantages = estimate_advantages(d.rewards, cfg_.group_size, estimator_, token_counts, 1e-4,
                                       rt_.distributed() ? BatchSum(batch_sum) : BatchSum());
  }

  // 4. Update: μ policy steps on the clipped objective over the prompt + completion batch. On W
  // ranks each rank's loss is divided by the global normalizer and the gradients are summed, so a
  // rank left with no rows (its groups all dropped) still joins every collective with zeros.
  void update(int64_t step, const StepData& d, GrpoStepStats& st) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<size_t> rows;
    std::vector<float> kept_adv;
    auto adv = d.advantages.accessor<float, 1>();
    auto group_std = d.group_std.accessor<float, 1>();
    for (size_t r = 0; r < d.samples.size(); ++r) {
      if (cfg_.drop_equal_reward_groups && group_std[r / cfg_.group_size] == 0) continue;
      rows.push_back(r);
      kept_adv.push_back(adv[r]);
    }
    GrpoLossInputs in;
    std::optional<train::TokenBatch> batch;
    double local_tokens = 0;
    if (!rows.empty()) {
      policy_.train();
      batch = completion_batch(d.prompts, d.samples, rows, env_.pad_id, policy_.device());
      local_tokens = batch->mask.sum().item<double>();
    }
    // What the aggregation divides by, over all ranks: sequences (grpo, dr_grpo) or tokens (dapo).
    const auto totals = rt_.all_reduce_scalars({static_cast<double>(rows.size()), local_tokens}, Reduce::sum,
                                               "rows and completion tokens");
    if (totals[0] == 0) {  // nothing to train on anywhere
      st.train_seconds = seconds_since(t0);
      return;
    }
    if (rt_.distributed())
      in.normalizer = loss_cfg_.aggregation == LossAggregation::kTokenMean ? std::max(1.0, totals[1]) : totals[0];
    torch::Tensor rollout_logp;
    const double T = cfg_.temperature;
    if (batch) {
      in.advantages = torch::tensor(kept_adv).to(policy_.device());
      in.mask = batch->mask;
      rollout_logp = sampled_logprobs(d.prompts, d.samples, rows, *batch);
      if (cfg_.num_iterations > 1) {
        torch::NoGradGuard ng;
        in.old_logp = completion_logprobs(policy_, *batch, T);
      }
      if (reference_) {
        torch::NoGradGuard ng;
        in.ref_logp = completion_logprobs(*reference_, *batch, T);
      }
    }
    opt_.set_lr(sched_.at(step));
    for (int64_t it = 0; it < cfg_.num_iterations; ++it) {
      opt_.zero_grad();
      reducer_.arm();
      double local_loss = 0;
      std::vector<double> local_stats(8, 0.0);  // token-weighted kl, clip, ratio; mismatch; weights
      if (batch) {
        in.logp = completion_logprobs(policy_, *batch, T);
        if (cfg_.num_iterations == 1) in.old_logp = in.logp.detach();  // on-policy: ratio 1, same gradient
        if (it == 0) {  // π_old against π_rollout, once per rollout batch
          auto mis = rollout_mismatch(in.old_logp, rollout_logp, batch->mask, mismatch_cfg_);
          in.token_weight = mis.weight;
          st.mismatch = mis.stats;
        }
        auto out = grpo_loss(in, loss_cfg_);
        auto loss = out.loss + model::moe_balance_loss(policy_) / static_cast<double>(rt_.world_size());
        loss.backward();
        local_loss = out.loss.item<double>();
        local_stats = {out.kl * local_tokens, out.clip_fraction * local_tokens, out.mean_ratio * local_tokens,
                       st.mismatch.kl * local_tokens, st.mismatch.abs_log_ratio * local_tokens,
                       st.mismatch.beyond_cap * local_tokens, local_tokens, st.mismatch.max_ratio};
      }
      reducer_.finish();
      // The loss of the whole batch (each rank's is its share of it) and token-weighted means.
      auto sums = rt_.all_reduce_scalars({local_loss, local_stats[0], local_stats[1], local_stats[2], local_stats[3],
                                          local_stats[4], local_stats[5], local_stats[6]},
                                         Reduce::sum, "loss statistics");
      const double n = std::max(1.0, sums[7]);
      st.loss = sums[0];
      const double max_norm = cfg_.grad_clip > 0 ? cfg_.grad_clip : std::numeric_limits<double>::infinity();
      const double grad_norm = torch::nn::utils::clip_grad_norm_(policy_.parameters(), max_norm);
      if (!guard_.accept(step, st.loss, grad_norm, metrics_)) {
        opt_.zero_grad();
        st.skipped = 1;
        break;  // the remaining iterations would start from the same weights
      }
      opt_.step();
      rollout_policy_.policy_updated();
      if (!model::moe_layers(policy_).empty()) {
        train::all_reduce_moe_loads(rt_, policy_);
        st.moe_load_imbalance = model::moe_load_stats(policy_).max_over_mean;
        model::update_moe_biases(policy_);  // auxiliary-loss-free balancing, after each step
      }
      st.kl = sums[1] / n;
      st.clip_fraction = sums[2] / n;
      st.mean_ratio = sums[3] / n;
      if (it == 0 && rt_.distributed()) {
        st.mismatch.kl = sums[4] / n;
        st.mismatch.abs_log_ratio = sums[5] / n;
        st.mismatch.beyond_cap = sums[6] / n;
        st.mismatch.max_ratio = rt_.all_reduce_scalar(local_stats[7], Reduce::max, "mismatch max ratio");
      }
    }
    if (reference_ && cfg_.ref_update_every > 0 && (step + 1) % cfg_.ref_update_every == 0)
      reference_ = model::clone_model(policy_);
    st.train_seconds = seconds_since(t0);
  }

  // 5. Log: one metrics line, the progress line.
  void log(int64_t step, const GrpoStepStats& st, Progress& progress) const {
    if (metrics_) {
      nlohmann::json line = {{"stage", where_.stage}, {"step", step}, {"reward", st.reward}, {"accuracy", st.accuracy},
                             {"language", st.language}, {"format", st.format}, {"think_rate", st.think_rate},
                             {"response_length", st.response_length}, {"kl", st.kl}, {"clip_fraction", st.clip_fraction},
                             {"loss", st.skipped ? 0.0 : st.loss}, {"skipped", st.skipped},
                             {"zero_std_groups", st.zero_std_groups}, {"stopped", st.stopped},
                             {"rollout_seconds", st.rollout_seconds}, {"train_seconds", st.train_seconds},
                             {"rollout_tokens_per_s", st.rollout_tokens_per_s},
                             {"moe_load_imbalance", st.moe_load_imbalance}, {"mean_ratio", st.mean_ratio},
                             {"mismatch_kl", st.mismatch.kl}, {"mismatch_abs_log_ratio", st.mismatch.abs_log_ratio},
                             {"mismatch_max_ratio", st.mismatch.max_ratio},
                             {"mismatch_beyond_cap", st.mismatch.beyond_cap}};
      // Each option's own figures under their own names (clip_fraction is the policy loss's, whichever).
      if (loss_cfg_.policy == PolicyLoss::kGspo) line["seq_clip_fraction"] = st.clip_fraction;
      if (loss_cfg_.policy == PolicyLoss::kCispo) line["is_clip_fraction"] = st.clip_fraction;
      if (cfg_.overlong_buffer > 0) line["overlong_penalty"] = st.overlong_penalty;
      if (cfg_.dynamic_sampling) {
        line["extra_draws"] = st.extra_draws;
        line["kept_groups"] = st.kept_groups;
      }
      metrics_->write(line);
    }
    char extra[128];
    std::snprintf(extra, sizeof extra, "reward %.3f | acc %.3f | think %.2f | len %.1f", st.reward, st.accuracy,
                  st.think_rate, st.response_length);
    progress.update(step + 1, extra);
  }

  model::CausalLMImpl& policy_;
  const GrpoEnvironment& env_;
  const GrpoConfig& cfg_;
  dist::Runtime& rt_;
  MetricsWriter* metrics_;  // rank 0's; null on the others
  GrpoRun where_;
  RolloutPolicy rollout_policy_;  // what rollouts sample from: the policy or its quantized copy
  std::optional<train::ResumableRun> run_;  // set when where_ names a checkpoint dir
  train::Optimizer opt_;
  dist::GradReducer reducer_;
  train::LrSchedule sched_;
  GrpoLossConfig loss_cfg_;
  AdvantageEstimator estimator_;
  MismatchConfig mismatch_cfg_;
  train::StepGuard guard_;
  rollout::RolloutConfig rollout_cfg_;
  rewards::RewardWeights weights_;
  model::CausalLM reference_{nullptr};
};

}  // namespace

int64_t train_grpo(model::CausalLMImpl& policy, const GrpoEnvironment& env, const GrpoConfig& cfg,
                   MetricsWriter* metrics, const std::function<void(int64_t, const GrpoStepStats&)>& on_step,
                   const GrpoRun& run) {
  return GrpoTrainer(policy, env, cfg, metrics, run).train(on_step);
}

}  // namespace r1::rl
