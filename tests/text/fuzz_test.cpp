// Runs the tokenizer fuzz target (scripts/fuzz_tokenizer.sh: clang++ -fsanitize=fuzzer,address)
// for a bounded time; any crash, sanitizer report or non-r1::Error exception fails the test.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

TEST(TokenizerFuzz, RunsCleanForBoundedTime) {
  const std::string bin = R1_BINARY;
  const std::string work = bin.substr(0, bin.rfind('/')) + "/fuzz-tokenizer";
  const std::string cmd = "FUZZ_SECONDS=20 bash " + std::string(R1_SOURCE_DIR) +
                          "/scripts/fuzz_tokenizer.sh " + work + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = pclose(p);
  EXPECT_EQ(status, 0) << "fuzz_tokenizer.sh failed; last output:\n"
                       << out.substr(out.size() > 6000 ? out.size() - 6000 : 0);
}

}  // namespace
