// `r1 launch` and torchrun start the ranks of an r1 command: outputs prefixed with the rank, a
// failing rank's status propagated (the others stopped), Ctrl-C and SIGTERM passed to every rank.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include "dist/net.h"
#include "rank_job.h"

namespace {

using r1::test::Job;

TEST(Launch, RunsTwoRanksOfAnR1CommandWithPrefixedOutput) {
  Job job(0, R1_BINARY, {"launch", "--nproc_per_node", "2", "--master_port", "0", "dist_check", "--dist.timeout_s", "60"});
  ASSERT_TRUE(job.wait_all(120));
  const std::string out = job.output(0);
  EXPECT_EQ(job.exit_code(0), 0) << out;
  EXPECT_NE(out.find("[rank 0] dist_check: rank 0/2 (local 0/2)"), std::string::npos) << out;
  EXPECT_NE(out.find("[rank 1] dist_check: rank 1/2 (local 1/2)"), std::string::npos) << out;
  EXPECT_NE(out.find("[rank 0] dist_check: 2 rank(s) agree"), std::string::npos) << out;
  EXPECT_NE(out.find("OMP_NUM_THREADS=1 each"), std::string::npos) << out;
}

TEST(Launch, FailingRanksExitIsPropagated) {
  // Every rank fails the same way (a bad option): the launcher exits non-zero naming a rank.
  Job job(0, R1_BINARY, {"launch", "--nproc_per_node", "2", "--master_port", "0", "dist_check", "--dist.backend", "mpi"});
  ASSERT_TRUE(job.wait_all(60));
  EXPECT_EQ(job.exit_code(0), 2);  // a usage error's status, passed on by the launcher
  const std::string out = job.output(0);
  EXPECT_NE(out.find("error: dist.backend: must be one of auto, gloo, nccl"), std::string::npos) << out;
  EXPECT_NE(out.find("r1 launch: failed: rank"), std::string::npos) << out;
  EXPECT_NE(out.find("exited with status 2"), std::string::npos) << out;
}

TEST(Launch, OneFailingRankStopsTheOthers) {
  // Rank 1 exits with status 3 at once; rank 0 would sleep 60 s. The launcher (dist::launch, run by
  // this binary) stops rank 0 and exits 3.
  Job job(0, r1::test::self_exe(), {"--rank-worker", "launch-host", "5", "exit-if-rank", "1", "3"});
  ASSERT_TRUE(job.wait_all(30)) << job.output(0);
  const std::string out = job.output(0);
  EXPECT_EQ(job.exit_code(0), 3) << out;
  EXPECT_NE(out.find("[rank 0] rank 0 up"), std::string::npos) << out;
  EXPECT_NE(out.find("[rank 1] rank 1 up"), std::string::npos) << out;
  EXPECT_NE(out.find("rank 1 (pid"), std::string::npos) << out;
  EXPECT_NE(out.find("exited with status 3; stopping the other ranks"), std::string::npos) << out;
  EXPECT_LT(job.proc(0).exit_after_s, 20.0) << "rank 0 was not left sleeping";
}

void expect_signal_forwarded(int sig) {
  Job job(0, r1::test::self_exe(), {"--rank-worker", "launch-host", "5", "wait-signal"});
  ASSERT_TRUE(job.wait_for_output(0, "[rank 0] up", 30)) << job.output(0);
  ASSERT_TRUE(job.wait_for_output(0, "[rank 1] up", 30)) << job.output(0);
  ::kill(job.pid(0), sig);
  ASSERT_TRUE(job.wait_all(20)) << job.output(0);
  const std::string out = job.output(0);
  for (int r = 0; r < 2; ++r)
    EXPECT_NE(out.find("[rank " + std::to_string(r) + "] got signal " + std::to_string(sig)), std::string::npos) << out;
  EXPECT_EQ(job.exit_code(0), 128 + sig) << out;
}

TEST(Launch, CtrlCReachesEveryRank) { expect_signal_forwarded(SIGINT); }
TEST(Launch, SigtermReachesEveryRank) { expect_signal_forwarded(SIGTERM); }

TEST(Launch, DashedOptionsSuggestTheUnderscoredSpelling) {
  Job job(0, R1_BINARY, {"launch", "--nproc-per-node", "2", "dist_check"});
  ASSERT_TRUE(job.wait_all(30));
  EXPECT_EQ(job.exit_code(0), 1);
  EXPECT_NE(job.output(0).find("--nproc_per_node"), std::string::npos) << job.output(0);
}

// Debian's torchrun (python3-torch, 1.13) under Python 3.11 needs --redirects and --tee set to a
// single stream: their default "0" no longer parses there (Std.from_str returns None).
TEST(Launch, TorchrunStartsTwoRanksOfAnR1Command) {
  std::string torchrun;
  for (const char* c : {"/usr/bin/torchrun", "/usr/local/bin/torchrun"})
    if (std::filesystem::exists(c)) torchrun = c;
  if (torchrun.empty()) GTEST_SKIP() << "torchrun not installed (Debian: apt-get install python3-torch)";
  const std::string port = std::to_string(r1::dist::pick_free_port());
  Job job(0, torchrun,
          {"--nproc_per_node", "2", "--no_python", "--master_port", port, "--redirects", "1", "--tee", "1", R1_BINARY,
           "dist_check", "--dist.timeout_s", "120"});
  ASSERT_TRUE(job.wait_all(240)) << job.output(0);
  const std::string out = job.output(0);
  EXPECT_EQ(job.exit_code(0), 0) << out;
  EXPECT_NE(out.find("dist_check: rank 0/2"), std::string::npos) << out;
  EXPECT_NE(out.find("dist_check: rank 1/2"), std::string::npos) << out;
  EXPECT_NE(out.find("dist_check: 2 rank(s) agree"), std::string::npos) << out;
}

}  // namespace
