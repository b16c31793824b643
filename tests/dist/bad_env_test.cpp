// Bad environments get clear errors naming the variable and value, in the library and from the CLI:
// RANK >= WORLD_SIZE, a closed port on 127.0.0.1 as an unreachable master, a port already in use.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "core/error.h"
#include "dist/net.h"
#include "dist/runtime.h"
#include "rank_job.h"

namespace {

r1::dist::LaunchEnv two_ranks(int rank, int port) {
  r1::dist::LaunchEnv e;
  e.rank = e.local_rank = rank;
  e.world_size = e.local_world_size = 2;
  e.master_addr = "127.0.0.1";
  e.master_port = port;
  return e;
}

r1::dist::DistConfig seconds(double s) {
  r1::dist::DistConfig c;
  c.timeout_s = s;
  return c;
}

// A socket listening on 127.0.0.1:port until destroyed.
struct Listener {
  int fd = -1, port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 1);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd); }
};

TEST(BadEnvironment, ClosedPortIsAnUnreachableMaster) {
  const int port = r1::dist::pick_free_port();  // free, so nothing listens there
  const auto start = std::chrono::steady_clock::now();
  try {
    r1::dist::Runtime rt(two_ranks(1, port), seconds(2));
    FAIL() << "joined a job nobody hosts";
  } catch (const r1::Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port)), std::string::npos) << m;
    EXPECT_NE(m.find("rank 1/2"), std::string::npos) << m;
    EXPECT_NE(m.find("no rendezvous store answered within 2"), std::string::npos) << m;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[timing] unreachable master reported after %.2f s (timeout_s 2)\n", s);
  EXPECT_LT(s, 2.0 + 2.0);
}

TEST(BadEnvironment, PortInUseIsNamed) {
  Listener taken;
  try {
    r1::dist::Runtime rt(two_ranks(0, taken.port), seconds(2));
    FAIL() << "hosted a store on a port in use";
  } catch (const r1::Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("MASTER_PORT=" + std::to_string(taken.port)), std::string::npos) << m;
    EXPECT_NE(m.find("the port is in use"), std::string::npos) << m;
  }
}

TEST(BadEnvironment, MissingRankIsNamedAfterTheTimeout) {
  // Rank 0 of 2 alone: the store is up, but rank 1 never joins.
  try {
    r1::dist::Runtime rt(two_ranks(0, r1::dist::pick_free_port()), seconds(2));
    FAIL() << "a job of 2 started with 1 rank";
  } catch (const r1::Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("rank 0/2: the 2 ranks did not all join within dist.timeout_s = 2 s"), std::string::npos) << m;
    EXPECT_NE(m.find("ranks not seen: 1"), std::string::npos) << m;
  }
}

TEST(BadEnvironment, CliNamesTheVariable) {
  // RANK >= WORLD_SIZE, through r1 itself.
  r1::test::Job bad_rank(0, R1_BINARY, {"dist_check"},
                         {{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29999"}});
  ASSERT_TRUE(bad_rank.wait_all(60));
  EXPECT_EQ(bad_rank.exit_code(0), 1);
  EXPECT_NE(bad_rank.output(0).find("RANK='2': must be below WORLD_SIZE='2'"), std::string::npos) << bad_rank.output(0);
  EXPECT_EQ(bad_rank.output(0).find("frame #"), std::string::npos) << "no libtorch backtrace";

  // A rank whose master does not answer.
  const int port = r1::dist::pick_free_port();
  r1::test::Job lonely(0, R1_BINARY, {"dist_check", "--dist.timeout_s", "2"},
                       {{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", std::to_string(port)}});
  ASSERT_TRUE(lonely.wait_all(60));
  EXPECT_EQ(lonely.exit_code(0), 1);
  const std::string out = lonely.output(0);
  EXPECT_NE(out.find("[rank 1] error: MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port)), std::string::npos) << out;
  EXPECT_EQ(out.find("frame #"), std::string::npos) << "no libtorch backtrace";
}

}  // namespace
