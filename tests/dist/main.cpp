// test_dist's entry point. `test_dist --rank-worker <scenario> [args]` is one process of a job a test
// started (rank_worker.cpp); anything else runs the GoogleTest suite.
#include <gtest/gtest.h>

#include <cstring>

namespace r1::test {
int run_rank_worker(int argc, char** argv);
}

int main(int argc, char** argv) {
  if (argc >= 2 && !std::strcmp(argv[1], "--rank-worker")) return r1::test::run_rank_worker(argc - 2, argv + 2);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
