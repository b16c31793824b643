// A rank that dies or hangs ends the job: the other rank exits non-zero within the configured time,
// naming the lost rank and the collective. Two ranks of this binary all-reduce in a loop; the test
// kills, stops or stalls one and times the other's exit (printed as [timing] lines).
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>

#include "rank_job.h"

namespace {

using r1::test::Job;

// Short c10d settings, in seconds: collectives time out after 6 s, heartbeats every 0.25 s, a rank
// silent for 2 s is lost.
const std::vector<std::string> kTimes = {"timeout_s=6", "heartbeat_s=0.25", "lost_after_s=2"};

std::unique_ptr<Job> start(const std::string& behaviour) {
  std::vector<std::string> args = {"--rank-worker", "loop", r1::test::temp_dir("loop"), behaviour};
  args.insert(args.end(), kTimes.begin(), kTimes.end());
  auto job = std::make_unique<Job>(2, r1::test::self_exe(), args);
  for (int r = 0; r < 2; ++r)
    EXPECT_TRUE(job->wait_for_output(r, "ready rank " + std::to_string(r), 60)) << job->output(r);
  return job;
}

// Waits for rank `survivor` to exit; returns the seconds since `since`.
double exit_time(Job& job, int survivor, double since, double limit_s) {
  const double deadline = job.elapsed_s() + limit_s;
  while (!job.poll(survivor) && job.elapsed_s() < deadline) usleep(10000);
  EXPECT_TRUE(job.poll(survivor)) << "rank " << survivor << " did not exit within " << limit_s << " s:\n"
                                  << job.output(survivor);
  return job.proc(survivor).exit_after_s - since;
}

TEST(Faults, SigkillOfRank1StopsRank0NamingIt) {
  auto job = start("run");
  const double t0 = job->elapsed_s();
  ::kill(job->pid(1), SIGKILL);
  const double t = exit_time(*job, 0, t0, 10);
  std::printf("[timing] SIGKILL of rank 1 -> rank 0 exited after %.2f s\n", t);
  EXPECT_NE(job->exit_code(0), 0);
  const std::string out = job->output(0);
  EXPECT_NE(out.find("[rank 0] error: dist:"), std::string::npos) << out;
  EXPECT_NE(out.find("rank 1 is lost"), std::string::npos) << out;
  EXPECT_NE(out.find("all_reduce 'loop step"), std::string::npos) << out;
  EXPECT_LT(t, 6.0) << "within the collective timeout";
}

TEST(Faults, SigkillOfRank0StopsRank1NamingIt) {
  auto job = start("run");
  const double t0 = job->elapsed_s();
  ::kill(job->pid(0), SIGKILL);
  const double t = exit_time(*job, 1, t0, 10);
  std::printf("[timing] SIGKILL of rank 0 (the store's host) -> rank 1 exited after %.2f s\n", t);
  EXPECT_NE(job->exit_code(1), 0);
  const std::string out = job->output(1);
  EXPECT_NE(out.find("rank 0 at 127.0.0.1"), std::string::npos) << out;
  EXPECT_NE(out.find("likely gone"), std::string::npos) << out;
  EXPECT_LT(t, 6.0);
}

TEST(Faults, FrozenRankIsLostAfterItsHeartbeatStops) {
  auto job = start("run");
  const double t0 = job->elapsed_s();
  ::kill(job->pid(1), SIGSTOP);  // a hang the process cannot notice: no heartbeat, sockets open
  const double t = exit_time(*job, 0, t0, 12);
  std::printf("[timing] SIGSTOP of rank 1 -> rank 0 exited after %.2f s (lost_after_s 2, timeout_s 6)\n", t);
  ::kill(job->pid(1), SIGKILL);
  EXPECT_NE(job->exit_code(0), 0);
  const std::string out = job->output(0);
  EXPECT_NE(out.find("rank 1 is lost"), std::string::npos) << out;
  EXPECT_LT(t, 6.0 + 1.5) << "the collective timeout bounds it";
}

TEST(Faults, RankStuckOutsideCollectivesTimesOutNamingIt) {
  auto job = start("stall-rank-1");
  const double t0 = job->elapsed_s();
  const double t = exit_time(*job, 0, t0, 15);
  std::printf("[timing] rank 1 alive but out of collectives -> rank 0 exited after %.2f s (timeout_s 6)\n", t);
  EXPECT_NE(job->exit_code(0), 0);
  const std::string out = job->output(0);
  EXPECT_NE(out.find("rank 1 is alive but has not reached it"), std::string::npos) << out;
  EXPECT_GT(t, 5.0) << "not before the timeout";
  EXPECT_LT(t, 6.0 + 4.0) << "the timeout, plus the stall's start and the diagnosis";
  // Rank 1 reads the job's abort reason (or, if rank 0 is already gone, finds its store gone) and stops too.
  const double t1 = exit_time(*job, 1, t0, 5);
  EXPECT_NE(job->exit_code(1), 0);
  const std::string out1 = job->output(1);
  EXPECT_TRUE(out1.find("stopping: all_reduce") != std::string::npos || out1.find("likely gone") != std::string::npos)
      << out1;
  std::printf("[timing]   ... and the stalled rank 1 followed after %.2f s\n", t1);
}

TEST(Faults, ErrorOnOneRankIsReportedByTheOther) {
  auto job = start("error-rank-1");
  const double t0 = job->elapsed_s();
  const double t = exit_time(*job, 0, t0, 10);
  std::printf("[timing] error on rank 1 -> rank 0 exited after %.2f s\n", t);
  exit_time(*job, 1, t0, 5);
  EXPECT_NE(job->exit_code(1), 0);
  EXPECT_NE(job->output(1).find("[rank 1] error: worker: an error outside collectives"), std::string::npos)
      << job->output(1);
  EXPECT_NE(job->exit_code(0), 0);
  EXPECT_NE(job->output(0).find("rank 1 failed: worker: an error outside collectives"), std::string::npos)
      << job->output(0);
  EXPECT_LT(t, 3.0);
}

}  // namespace
