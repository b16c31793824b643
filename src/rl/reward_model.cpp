#include "rl/reward_model.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>

#include "core/error.h"
#include "core/metrics.h"
#include "core/progress.h"
#include "io/checkpoint.h"
#include "text/tokenizer.h"
#include "train/lr_schedule.h"
#include "train/optimizer.h"
#include "train/sft.h"

namespace r1::rl {
namespace {

// Right-padded [N, T] ids and lengths [N] of sequences.
std::pair<torch::Tensor, torch::Tensor> pad_right(const std::vector<const std::vector<int32_t>*>& seqs, int64_t pad_id,
                                                  const torch::Device& device) {
  size_t T = 1;
  for (auto* s : seqs) {
    check(!s->empty(), "reward model", "an empty sequence has no last token to score");
    T = std::max(T, s->size());
  }
  const int64_t N = seqs.size();
  std::vector<int64_t> ids(N * T, pad_id), len(N);
  for (int64_t i = 0; i < N; ++i) {
    for (size_t t = 0; t < seqs[i]->size(); ++t) ids[i * T + t] = (*seqs[i])[t];
    len[i] = seqs[i]->size();
  }
  auto o = torch::TensorOptions().dtype(torch::kLong);
  return {torch::tensor(ids, o).view({N, static_cast<int64_t>(T)}).to(device), torch::tensor(len, o).to(device)};
}

// Rewards [2B] of the chosen then rejected sides of `pairs`.
torch::Tensor pair_rewards(RewardModelImpl& rm, const std::vector<const PreferencePair*>& pairs, int64_t pad_id) {
  std::vector<const std::vector<int32_t>*> seqs;
  for (auto* p : pairs) seqs.push_back(&p->chosen);
  for (auto* p : pairs) seqs.push_back(&p->rejected);
  auto [ids, len] = pad_right(seqs, pad_id, rm.backbone->device());
  return rm.forward(ids, len);
}

}  // namespace

RewardModelImpl::RewardModelImpl(model::CausalLM backbone_, uint64_t seed) {
  backbone = register_module("backbone", backbone_);
  const auto& c = backbone->config();
  score = register_module("score", torch::nn::Linear(torch::nn::LinearOptions(c.hidden_size, 1).bias(false)));
  torch::NoGradGuard ng;
  auto gen = at::detail::createCPUGenerator(seed);
  score->weight.copy_(at::normal(0.0, c.initializer_range, {1, c.hidden_size}, gen).to(score->weight.options()));
  score->to(backbone->device());
}

torch::Tensor RewardModelImpl::forward(const torch::Tensor& ids, const torch::Tensor& lengths) {
  // Right padding: real tokens never attend to the pads after them, and the validity keeps the pads
  // out of MoE routing.
  auto valid = torch::arange(ids.size(1), ids.options()).unsqueeze(0) < lengths.to(ids.device()).view({-1, 1});  // [B, T]
  auto h = backbone->hidden_states(ids, nullptr, valid);  // [B, T, C]
  auto last = (lengths - 1).clamp_min(0).view({-1, 1, 1}).expand({-1, 1, h.size(2)});
  auto h_last = h.gather(1, last).squeeze(1);  // [B, C]
  return score->forward(h_last).squeeze(-1).to(torch::kFloat);  // [B]
}

torch::Tensor bradley_terry_loss(const torch::Tensor& r_chosen, const torch::Tensor& r_rejected) {
  // −log σ(x) = softplus(−x), stable for large |x|.
  return torch::nn::functional::softplus(r_rejected - r_chosen).mean();
}

std::vector<double> score_sequences(RewardModelImpl& rm, const std::vector<std::vector<int32_t>>& seqs, int64_t pad_id,
                                    int64_t batch_size) {
  torch::NoGradGuard ng;
  std::vector<double> out;
  for (size_t i = 0; i < seqs.size(); i += batch_size) {
    std::vector<const std::vector<int32_t>*> part;
    for (size_t j = i; j < std::min(seqs.size(), i + batch_size); ++j) part.push_back(&seqs[j]);
    auto [ids, len] = pad_right(part, pad_id, rm.backbone->device());
    auto r = rm.forward(ids, len).cpu();
    for (int64_t j = 0; j < r.size(0); ++j) out.push_back(r[j].item<double>());
  }
  return out;
}

double pairwise_accuracy(RewardModelImpl& rm, const std::vector<PreferencePair>& pairs, int64_t pad_id) {
  if (pairs.empty()) return 0.0;
  std::vector<std::vector<int32_t>> c, r;
  for (const auto& p : pairs) {
    c.push_back(p.chosen);
    r.push_back(p.rejected);
  }
  auto sc = score_sequences(rm, c, pad_id), sr = score_sequences(rm, r, pad_id);
  int64_t right = 0;
  for (size_t i = 0; i < pairs.size(); ++i) right += sc[i] > sr[i];
  return static_cast<double>(right) / pairs.size();
}

RewardTrainResult train_reward_model(RewardModelImpl& rm, const std::vector<PreferencePair>& pairs,
                                     const RewardTrainConfig& cfg, int64_t pad_id, MetricsWriter* metrics) {
  rm.train();
  // AdamW's default betas (0.9, 0.999), as TRL's RewardTrainer.
  auto opt = train::make_adamw(rm, {cfg.lr, 0.9, 0.999, cfg.weight_decay});
  train::LrSchedule sched{cfg.lr, cfg.warmup_steps, cfg.steps, cfg.min_lr_ratio};
  train::SftDataOrder order(pairs.size(), cfg.batch_size, cfg.seed);
  Progress progress("rm", cfg.steps);
  RewardTrainResult res;
  std::vector<std::pair<double, double>> hist;  // (loss, accuracy) per step
  for (int64_t step = 0; step < cfg.steps; ++step) {
    std::vector<const PreferencePair*> batch;
    for (int64_t i : order.indices(step)) batch.push_back(&pairs[i]);
    const double lr = sched.at(step);
    train::set_learning_rate(*opt, lr);
    opt->zero_grad();
    auto r = pair_rewards(rm, batch, pad_id);  // [2B]
    const int64_t B = batch.size();
    auto rc = r.slice(0, 0, B), rr = r.slice(0, B, 2 * B);
    auto loss = bradley_terry_loss(rc, rr);
    loss.backward();
    double gn = cfg.grad_clip > 0 ? torch::nn::utils::clip_grad_norm_(rm.parameters(), cfg.grad_clip) : 0.0;
    opt->step();
    const double l = loss.item<double>(), acc = (rc > rr).to(torch::kFloat).mean().item<double>();
    hist.emplace_back(l, acc);
    if (metrics && (step % cfg.log_every == 0 || step + 1 == cfg.steps))
      metrics->write({{"stage", "rm"}, {"step", step}, {"loss", l}, {"accuracy", acc}, {"lr", lr}, {"grad_norm", gn},
                      {"margin", (rc - rr).mean().item<double>()}});
    char extra[64];
    std::snprintf(extra, sizeof extra, "loss %.4f | acc %.2f", l, acc);
    progress.update(step + 1, extra);
  }
  size_t tail = std::max<size_t>(1, hist.size() / 10);
  for (size_t i = hist.size() - std::min(tail, hist.size()); i < hist.size(); ++i) {
    res.final_loss += hist[i].first / tail;
    res.train_accuracy += hist[i].second / tail;
  }
  res.seconds = progress.elapsed_seconds();
  progress.finish("");
  rm.eval();
  return res;
}

void save_reward_model(const std::string& dir, RewardModelImpl& rm, const text::Tokenizer* tokenizer,
                       const nlohmann::json& tokenizer_config) {
  io::TensorMap tensors = io::named_tensors_of(*rm.backbone);
  tensors["score.weight"] = rm.score->weight.detach();
  io::CheckpointSaveOptions opt;
  opt.tokenizer = tokenizer;
  if (!tokenizer_config.is_null()) opt.tokenizer_config = tokenizer_config;
  io::save_checkpoint(dir, rm.backbone->config(), tensors, opt);
}

RewardModel load_reward_model(const std::string& dir) {
  auto ck = io::load_checkpoint_tensors(dir, at::kFloat);
  auto it = ck.tensors.find("score.weight");
  check(it != ck.tensors.end(), dir, "has no score.weight: not a reward model");
  auto head = it->second;
  ck.tensors.erase(it);
  model::CausalLM backbone(ck.config);
  io::load_into(*backbone, ck.tensors, true, ck.config.tie_word_embeddings);
  RewardModel rm(backbone, 0);
  check(head.sizes() == rm->score->weight.sizes(), dir + " tensor score.weight", "expected shape [1, hidden_size]");
  torch::NoGradGuard ng;
  rm->score->weight.copy_(head);
  return rm;
}

}  // namespace r1::rl
