// A Bradley–Terry reward model (R1's final RL stage scores general, unverifiable prompts with a
// preference reward model): a CausalLM backbone and a scalar head on the final hidden state of the
// last real token, trained on (prompt, chosen, rejected) pairs with loss −log σ(r_chosen − r_rejected).
//
// Saved as a Hugging Face sequence-classification layout: config.json, the backbone's tensors under
// their usual names and the head as "score.weight" [1, C] (as Qwen2ForSequenceClassification names
// it; the backbone's lm_head, when untied, is kept so the directory still loads as a CausalLM's).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/causal_lm.h"

namespace r1 {
class MetricsWriter;
}
namespace r1::text {
class Tokenizer;
}

namespace r1::rl {

class RewardModelImpl : public torch::nn::Module {
 public:
  // score.weight ~ Normal(0, initializer_range), seeded.
  RewardModelImpl(model::CausalLM backbone, uint64_t seed);
  // ids [B, T] int64 right-padded, lengths [B] int64 (real tokens per row) -> rewards [B] fp32.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& lengths);

  model::CausalLM backbone{nullptr};
  torch::nn::Linear score{nullptr};  // C -> 1, no bias
};
TORCH_MODULE(RewardModel);

// mean over pairs of −log σ(r_chosen − r_rejected) = softplus(r_rejected − r_chosen); [N], [N] -> [].
torch::Tensor bradley_terry_loss(const torch::Tensor& r_chosen, const torch::Tensor& r_rejected);

// Token ids of prompt + response (+ EOS) for each side.
struct PreferencePair {
  std::vector<int32_t> chosen, rejected;
};

// Rewards of many sequences (batched, no grad) -> one value each.
std::vector<double> score_sequences(RewardModelImpl& rm, const std::vector<std::vector<int32_t>>& seqs,
                                    int64_t pad_id, int64_t batch_size = 32);

// Share of pairs with r_chosen > r_rejected.
double pairwise_accuracy(RewardModelImpl& rm, const std::vector<PreferencePair>& pairs, int64_t pad_id);

// Config keys, ranges and docs: rl/reward_train_schema.h (add every new field there).
struct RewardTrainConfig {
  int64_t steps = 100;
  int64_t batch_size = 8;  // pairs per step
  double lr = 1e-4;
  int64_t warmup_steps = 5;
  double min_lr_ratio = 0.1;
  double weight_decay = 0.0;
  double grad_clip = 1.0;
  uint64_t seed = 1;  // data order
  int64_t log_every = 10;
};

struct RewardTrainResult {
  double final_loss = 0;      // mean of the last 10% of steps
  double train_accuracy = 0;  // pairwise accuracy of the batches of the last 10% of steps
  double seconds = 0;
};

// AdamW with warmup + cosine and gradient clipping over shuffled epochs of `pairs`.
RewardTrainResult train_reward_model(RewardModelImpl& rm, const std::vector<PreferencePair>& pairs,
                                     const RewardTrainConfig& cfg, int64_t pad_id, MetricsWriter* metrics);

// Atomic, as io::save_checkpoint.
void save_reward_model(const std::string& dir, RewardModelImpl& rm, const text::Tokenizer* tokenizer,
                       const nlohmann::json& tokenizer_config = nullptr);
// Loads a directory written by save_reward_model (fp32, CPU); a missing score.weight is an error.
RewardModel load_reward_model(const std::string& dir);

}  // namespace r1::rl
