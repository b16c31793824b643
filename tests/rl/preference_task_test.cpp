// The preference task: pairs are encoded as rollouts see them, a reward model trained for a few
// dozen steps on greeting pairs prefers good replies on held-out prompts through PreferenceTask,
// and the task's graded reward is σ(RM score − offset) with correct = reward > 0.5.
#include "rl/preference_task.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "common/tiny_model.h"
#include "core/error.h"
#include "tasks/greeting.h"
#include "tasks/prompt_template.h"

namespace r1::rl {
namespace {

// Bytes as tokens: pad 0, BOS 1, EOS 2, byte b -> b + 3.
constexpr int32_t kPad = 0, kBos = 1, kEos = 2, kByteBase = 3;

PreferenceCodec byte_codec() {
  PreferenceCodec c;
  c.encode = [](const std::string& s) {
    std::vector<int32_t> ids;
    for (unsigned char b : s) ids.push_back(kByteBase + b);
    return ids;
  };
  c.encode_prompt = [enc = c.encode](const tasks::Problem& p) {
    std::vector<int32_t> ids{kBos};
    auto body = enc(tasks::r1zero_prompt(p));
    ids.insert(ids.end(), body.begin(), body.end());
    return ids;
  };
  c.eos_id = kEos;
  c.pad_id = kPad;
  return c;
}

std::string decode_bytes(const std::vector<int32_t>& ids, size_t from, size_t to) {
  std::string s;
  for (size_t i = from; i < to; ++i) s += static_cast<char>(ids[i] - kByteBase);
  return s;
}

model::CausalLM tiny_backbone(uint64_t seed) { return test::tiny_qwen2(256 + kByteBase, 256, seed); }

TEST(PreferenceTask, PairsAreEncodedAsRolloutsSeeThem) {
  tasks::Greeting greeting({16, 6});
  auto codec = byte_codec();
  tasks::Rng rng(1), replay(1);
  auto pairs = make_preference_pairs(greeting, codec, 50, rng);
  ASSERT_EQ(pairs.size(), 50u);
  for (const auto& pair : pairs) {
    tasks::Problem p = greeting.sample(replay);
    const std::string chosen = greeting.write_solution(p, false, replay);
    const std::string rejected = greeting.write_rejected(p, replay);
    auto prompt = codec.encode_prompt(p);
    for (const auto* seq : {&pair.chosen, &pair.rejected}) {
      ASSERT_GT(seq->size(), prompt.size() + 1);
      EXPECT_TRUE(std::equal(prompt.begin(), prompt.end(), seq->begin()));
      EXPECT_EQ(seq->back(), kEos);
    }
    EXPECT_EQ(decode_bytes(pair.chosen, prompt.size(), pair.chosen.size() - 1), chosen);
    EXPECT_EQ(decode_bytes(pair.rejected, prompt.size(), pair.rejected.size() - 1), rejected);
    EXPECT_TRUE(greeting.score(p, chosen).correct) << chosen;
    EXPECT_FALSE(greeting.score(p, rejected).correct) << rejected;
  }
}

TEST(PreferenceTask, TrainedRewardModelPrefersGoodRepliesOnHeldOutPrompts) {
  torch::manual_seed(0);
  auto greeting = std::make_shared<tasks::Greeting>(tasks::GreetingOptions{16, 6});
  auto codec = byte_codec();
  tasks::Rng train_rng(10);
  auto train_pairs = make_preference_pairs(*greeting, codec, 512, train_rng);
  RewardModel rm(tiny_backbone(3), 4);
  RewardTrainConfig cfg;
  cfg.steps = 120;  // 60 already reaches ~0.85-0.9 held out; 120 leaves margin across seeds (~3 s)
  cfg.batch_size = 16;
  cfg.lr = 3e-3;
  auto res = train_reward_model(*rm, train_pairs, cfg, kPad, nullptr);

  // Held out: fresh prompts and replies from another seed, scored through the task.
  tasks::Rng calib_rng(20);
  const double offset = midpoint_offset(*rm, make_preference_pairs(*greeting, codec, 64, calib_rng), kPad);
  PreferenceTask task(rm, greeting, codec, {offset});
  EXPECT_EQ(task.name(), "greeting_rm");
  tasks::Rng rng(30);
  std::map<std::string, std::pair<int, int>> by_kind;  // kind -> (chosen ranked higher, pairs)
  std::vector<tasks::Problem> problems;
  std::vector<std::string> responses;
  int chosen_correct = 0, rejected_correct = 0, n = 0, graded = 0;
  for (int i = 0; i < 40; ++i) {
    tasks::Problem p = task.sample(rng);
    const std::string chosen = task.write_solution(p, false, rng);
    for (int k = 0; k < tasks::kNumRejectKinds; ++k) {
      auto kind = static_cast<tasks::RejectKind>(k);
      const std::string rejected = greeting->write_rejected(p, kind, rng);
      auto sc = task.score(p, chosen), sr = task.score(p, rejected);
      for (const auto* s : {&sc, &sr}) {
        EXPECT_GT(s->reward, 0.0);
        EXPECT_LT(s->reward, 1.0);
        EXPECT_EQ(s->correct, s->reward > 0.5);
        EXPECT_TRUE(s->well_formed);  // format fields come from the greeting family
        graded += s->reward > 0.01 && s->reward < 0.99;
      }
      auto& [wins, pairs] = by_kind[tasks::reject_kind_name(kind)];
      wins += sc.reward > sr.reward;
      ++pairs;
      chosen_correct += sc.correct;
      rejected_correct += sr.correct;
      ++n;
      problems.push_back(p);
      responses.push_back(rejected);
    }
  }
  int wins = 0;
  for (const auto& [kind, wp] : by_kind) {
    std::printf("  %-10s chosen preferred in %d / %d\n", kind.c_str(), wp.first, wp.second);
    wins += wp.first;
  }
  std::printf("held-out: chosen preferred %.2f, chosen correct %.2f, rejected correct %.2f (train loss %.3f, acc %.2f)\n",
              double(wins) / n, double(chosen_correct) / n, double(rejected_correct) / n, res.final_loss,
              res.train_accuracy);
  EXPECT_GT(double(wins) / n, 0.75);
  EXPECT_GT(chosen_correct, rejected_correct);
  EXPECT_GT(graded, 0);  // a graded reward, not a 0/1 verdict

  // The batched rewards equal the one-at-a-time scores, and check_answer reads the answer block.
  auto batched = task.rewards(problems, responses);
  for (size_t i = 0; i < problems.size(); i += 7) {
    EXPECT_NEAR(batched[i], task.score(problems[i], responses[i]).reward, 1e-5);
    const std::string inner = responses[i].substr(8, responses[i].size() - 8 - 9);  // strip the tags
    EXPECT_EQ(task.check_answer(problems[i], inner), task.score(problems[i], responses[i]).correct);
  }
}

TEST(PreferenceTask, RewardIsTheSigmoidOfTheShiftedScore) {
  torch::manual_seed(0);
  auto greeting = std::make_shared<tasks::Greeting>(tasks::GreetingOptions{16, 6});
  auto codec = byte_codec();
  RewardModel rm(tiny_backbone(5), 6);
  torch::NoGradGuard ng;
  rm->score->weight.mul_(50.0);  // spread the untrained scores so both sides of 0.5 occur
  tasks::Rng rng(7);
  std::vector<tasks::Problem> problems;
  std::vector<std::string> responses;
  std::vector<std::vector<int32_t>> seqs;
  for (int i = 0; i < 12; ++i) {
    problems.push_back(greeting->sample(rng));
    responses.push_back(i % 2 ? greeting->write_solution(problems.back(), false, rng)
                              : greeting->write_rejected(problems.back(), rng));
    seqs.push_back(preference_sequence(codec, problems.back(), responses.back()));
  }
  auto raw = score_sequences(*rm, seqs, kPad);
  double mean = 0;
  for (double r : raw) mean += r / raw.size();
  for (double offset : {0.0, mean}) {
    PreferenceTask task(rm, greeting, codec, {offset});
    auto rewards = task.rewards(problems, responses);
    for (size_t i = 0; i < raw.size(); ++i) {
      const double expect = 1.0 / (1.0 + std::exp(offset - raw[i]));
      EXPECT_NEAR(rewards[i], expect, 1e-4);
      auto s = task.score(problems[i], responses[i]);
      EXPECT_NEAR(s.reward, expect, 1e-4);
      if (std::abs(raw[i] - offset) > 1e-3) {  // clear of float noise
        EXPECT_EQ(s.correct, raw[i] > offset);
      }
    }
  }
  EXPECT_THROW(PreferenceTask(rm, nullptr, codec), Error);
  EXPECT_THROW(PreferenceTask(rm, greeting, PreferenceCodec{}), Error);
}

}  // namespace
}  // namespace r1::rl
