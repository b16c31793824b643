// `r1 grpo --help` documents every advantage estimator, policy loss, mismatch correction and DAPO
// option with its keys; an unknown value is an error naming the key.
#include <gtest/gtest.h>

#include <string>

#include "common/cli.h"

namespace {

TEST(GrpoOptionsCli, HelpListsEveryAlgorithmOption) {
  auto r = r1::test::run_r1("grpo --help");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* s : {"--rl.advantage", "grpo_no_std", "rloo", "reinforce_pp_baseline", "2402.14740", "2501.03262",
                        "--rl.policy_loss", "ppo_clip", "gspo", "cispo", "2507.18071", "2506.13585",
                        "--rl.gspo_epsilon_low", "--rl.gspo_epsilon_high", "--rl.epsilon_high_is", "--rl.mismatch",
                        "tis", "mis", "--rl.mismatch_level", "--rl.mismatch_cap", "--rl.rollout_quant", "--rl.overlong_buffer",
                        "--rl.overlong_penalty", "--rl.dynamic_sampling", "--rl.max_extra_draws", "2503.14476"})
    EXPECT_NE(r.output.find(s), std::string::npos) << s;
}

TEST(GrpoOptionsCli, UnknownValuesAreErrorsNamingTheKey) {
  for (const char* kv : {"--rl.advantage gae", "--rl.policy_loss sapo", "--rl.mismatch icepop",
                         "--rl.mismatch_level batch", "--rl.mismatch_cap 0", "--rl.rollout_quant int3"}) {
    auto r = r1::test::run_r1(std::string("grpo --init /nonexistent ") + kv);
    EXPECT_NE(r.status, 0) << kv;
    const std::string key = std::string(kv).substr(2, std::string(kv).find(' ') - 2);
    EXPECT_NE(r.output.find(key), std::string::npos) << kv << ": " << r.output;
  }
}

}  // namespace
