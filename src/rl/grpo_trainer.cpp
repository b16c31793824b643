#include "rl/grpo_trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>

#include "core/error.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/progress.h"
#include "engine/generator.h"
#include "io/checkpoint.h"
#include "io/safetensors.h"
#include "model/causal_lm.h"
#include "model/moe.h"
#include "rewards/language.h"
#include "tasks/task.h"
#include "train/lr_schedule.h"
#include "train/token_batch.h"
#include "train/training_checkpoint.h"

namespace r1::rl {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// log π(completion tokens) under `m` for a batch: [B, T].
torch::Tensor policy_logprobs(model::CausalLMImpl& m, const train::TokenBatch& b) {
  return token_logprobs(m.forward(b.inputs), b.targets);
}

}  // namespace

int64_t train_grpo(model::CausalLMImpl& policy, const GrpoEnvironment& env, const GrpoConfig& cfg,
                   MetricsWriter* metrics, const std::function<void(int64_t, const GrpoStepStats&)>& on_step,
                   const GrpoRun& run) {
  const int64_t G = cfg.group_size;
  GrpoLossConfig loss_cfg{cfg.epsilon_low, cfg.epsilon_high, cfg.beta, parse_loss_aggregation(cfg.loss_type),
                          cfg.max_new_tokens};
  // The reference is a deep copy, frozen; only built when the KL term is on.
  model::CausalLM reference{nullptr};
  if (cfg.beta != 0.0) {
    reference = model::clone_model(policy);
    reference->eval();
  }
  torch::optim::AdamW opt(policy.parameters(),
                          torch::optim::AdamWOptions(cfg.lr).betas({0.9, 0.99}).weight_decay(cfg.weight_decay));
  train::LrSchedule sched{cfg.lr, cfg.warmup_steps, cfg.steps, 1.0, "constant"};
  engine::GenerationConfig gen;
  gen.sampling.temperature = cfg.temperature;
  gen.sampling.top_p = cfg.top_p;
  gen.sampling.max_new_tokens = cfg.max_new_tokens;
  gen.stop_token_ids = {env.eos_id};
  gen.pad_token_id = env.pad_id;
  const bool has_moe = !model::moe_layers(policy).empty();

  // Resume: the policy, its optimizer and the reference come back from the latest checkpoint.
  std::optional<train::TrainingCheckpoints> checkpoints;
  int64_t start = 0;
  if (!run.checkpoint_dir.empty()) {
    checkpoints.emplace(run.checkpoint_dir, run.keep_checkpoints);
    const std::string dir = checkpoints->latest();
    if (!dir.empty()) {
      auto st = checkpoints->restore(dir, policy, opt);
      check(st.at("total_steps").get<int64_t>() == cfg.steps && st.at("seed").get<uint64_t>() == cfg.seed,
            dir + "/trainer_state.json", "steps or seed differ from this run's configuration");
      start = st.at("step");
      if (reference) {
        auto ref = io::load_safetensors(dir + "/reference.safetensors");
        io::load_into(*reference, ref, true, reference->config().tie_word_embeddings);
      }
      log_info("grpo: resuming from " + dir + " at step " + std::to_string(start));
    }
  }
  auto save = [&](int64_t steps_done) {
    std::map<std::string, io::TensorMap> extra;
    if (reference) extra["reference"] = io::named_tensors_of(*reference);  // inside the atomic step dir
    checkpoints->save(steps_done, policy, opt,
                      {{"step", steps_done}, {"total_steps", cfg.steps}, {"seed", cfg.seed}, {"stage", run.stage}},
                      run.tokenizer, nullptr, extra);
  };
  const int64_t end = run.stop_after > 0 ? std::min(cfg.steps, start + run.stop_after) : cfg.steps;
  Progress progress(run.stage, cfg.steps, "step", start);

  for (int64_t step = start; step < end; ++step) {
    GrpoStepStats st;
    // 1. Rollout: G samples per prompt, one prefill per prompt.
    auto t_roll = std::chrono::steady_clock::now();
    auto prompts = env.prompts(step);
    std::vector<std::vector<int32_t>> prompt_ids;
    for (const auto& p : prompts) prompt_ids.push_back(p.ids);
    gen.sampling.seed = cfg.seed * 1000003 + step;
    policy.eval();
    engine::GenerationStats gstats;
    auto completions = engine::generate(policy, prompt_ids, G, gen, &gstats);
    st.rollout_seconds = seconds_since(t_roll);
    st.rollout_tokens_per_s = gstats.generated_tokens / std::max(1e-9, gstats.seconds);

    // 2. Rule-based rewards.
    const int64_t R = completions.size();
    std::vector<float> rewards(R);
    for (int64_t r = 0; r < R; ++r) {
      const auto& c = completions[r];
      const auto& p = prompts[c.prompt_index];
      std::vector<int32_t> body(c.tokens);
      if (c.stopped && !body.empty()) body.pop_back();  // the EOS is not part of the text
      // The response as scored: a forced prefix (in the prompt ids) + the sampled text.
      const std::string text = p.response_prefix + env.decode(body);
      auto s = p.task->score(p.problem, text);
      double fmt = s.well_formed ? 1.0 : 0.0;
      const double lang = rewards::cot_language_reward(text, cfg.language);
      rewards[r] = static_cast<float>(cfg.accuracy_weight * s.reward + cfg.format_weight * fmt +
                                      cfg.language_weight * lang);
      st.language += lang;
      st.accuracy += s.correct;
      st.format += fmt;
      st.think_rate += s.thinks;
      st.response_length += c.tokens.size();
      st.stopped += c.stopped;
    }
    auto reward_t = torch::tensor(rewards);
    auto adv = group_advantages(reward_t, G, cfg.scale_rewards);
    auto group_std = reward_t.view({-1, G}).std(1, /*unbiased=*/false);
    st.zero_std_groups = (group_std == 0).to(torch::kFloat).mean().item<double>();
    st.reward = reward_t.mean().item<double>();
    for (double* v : {&st.accuracy, &st.format, &st.think_rate, &st.response_length, &st.stopped, &st.language})
      *v /= R;

    // 3. Training batch: prompt + completion, loss on completion tokens only.
    auto t_train = std::chrono::steady_clock::now();
    std::vector<train::Example> examples;
    std::vector<float> kept_adv;
    auto adv_acc = adv.accessor<float, 1>();
    auto std_acc = group_std.accessor<float, 1>();
    for (int64_t r = 0; r < R; ++r) {
      if (cfg.drop_equal_reward_groups && std_acc[r / G] == 0) continue;
      const auto& c = completions[r];
      train::Example e;
      e.ids = prompts[c.prompt_index].ids;
      e.loss_mask.assign(e.ids.size(), 0);
      e.ids.insert(e.ids.end(), c.tokens.begin(), c.tokens.end());
      e.loss_mask.resize(e.ids.size(), 1);
      examples.push_back(std::move(e));
      kept_adv.push_back(adv_acc[r]);
    }
    if (!examples.empty()) {
      policy.train();
      auto batch = train::make_batch(examples, env.pad_id, policy.device());
      GrpoLossInputs in;
      in.advantages = torch::tensor(kept_adv).to(policy.device());
      in.mask = batch.mask;
      if (cfg.num_iterations > 1) {
        torch::NoGradGuard ng;
        in.old_logp = policy_logprobs(policy, batch);
      }
      if (reference) {
        torch::NoGradGuard ng;
        in.ref_logp = policy_logprobs(*reference, batch);
      }
      for (auto& group : opt.param_groups())
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(sched.at(step));
      for (int64_t it = 0; it < cfg.num_iterations; ++it) {
        in.logp = policy_logprobs(policy, batch);
        if (cfg.num_iterations == 1) in.old_logp = in.logp.detach();  // on-policy: ratio 1, same gradient
        auto out = grpo_loss(in, loss_cfg);
        auto loss = out.loss + model::moe_balance_loss(policy);  // 0 unless aux_loss_alpha > 0
        opt.zero_grad();
        loss.backward();
        if (cfg.grad_clip > 0) torch::nn::utils::clip_grad_norm_(policy.parameters(), cfg.grad_clip);
        opt.step();
        if (has_moe) {
          st.moe_load_imbalance = model::moe_load_stats(policy).max_over_mean;
          model::update_moe_biases(policy);  // auxiliary-loss-free balancing, after each step
        }
        st.loss = out.loss.item<double>();
        st.kl = out.kl;
        st.clip_fraction = out.clip_fraction;
      }
    }
    if (reference && cfg.ref_update_every > 0 && (step + 1) % cfg.ref_update_every == 0)
      reference = model::clone_model(policy);
    st.train_seconds = seconds_since(t_train);

    if (metrics)
      metrics->write({{"stage", run.stage}, {"step", step}, {"reward", st.reward}, {"accuracy", st.accuracy},
                      {"language", st.language},
                      {"format", st.format}, {"think_rate", st.think_rate}, {"response_length", st.response_length},
                      {"kl", st.kl}, {"clip_fraction", st.clip_fraction}, {"loss", st.loss},
                      {"zero_std_groups", st.zero_std_groups}, {"stopped", st.stopped},
                      {"rollout_seconds", st.rollout_seconds}, {"train_seconds", st.train_seconds},
                      {"rollout_tokens_per_s", st.rollout_tokens_per_s},
                      {"moe_load_imbalance", st.moe_load_imbalance}});
    if (on_step) on_step(step, st);
    char extra[128];
    std::snprintf(extra, sizeof extra, "reward %.3f | acc %.3f | think %.2f | len %.1f", st.reward, st.accuracy,
                  st.think_rate, st.response_length);
    progress.update(step + 1, extra);
    if (checkpoints && (step + 1 == end || (run.checkpoint_every > 0 && (step + 1) % run.checkpoint_every == 0)))
      save(step + 1);
  }
  progress.finish();
  return end;
}

}  // namespace r1::rl
