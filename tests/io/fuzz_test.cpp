// Runs the bounded libFuzzer campaign on the safetensors header parser (scripts/fuzz_safetensors.sh:
// clang++ -fsanitize=fuzzer,address,undefined, 30 s by default, R1_FUZZ_SECONDS to change) and
// requires that it finds no crash, leak or sanitizer report.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

TEST(SafetensorsFuzz, HeaderParserSurvivesBoundedFuzzing) {
  ASSERT_EQ(std::system("command -v clang++ > /dev/null"), 0)
      << "clang++ not found: install clang and libclang-rt-14-dev (scripts/install-deps.sh)";
  const char* secs = std::getenv("R1_FUZZ_SECONDS");
  const std::string work =
      (std::filesystem::temp_directory_path() / ("r1_fuzz_safetensors_" + std::to_string(::getpid()))).string();
  const std::string log = work + ".log";
  const std::string cmd = std::string(R1_SOURCE_DIR) + "/scripts/fuzz_safetensors.sh " + work + " " +
                          (secs ? secs : "30") + " > " + log + " 2>&1";
  const int status = std::system(cmd.c_str());
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok) {
    std::string tail = "tail -40 " + log;
    std::system(tail.c_str());
  }
  EXPECT_TRUE(ok) << "fuzzing failed (status " << status << "); log: " << log << ", inputs in " << work;
  if (ok) {
    std::filesystem::remove_all(work);
    std::filesystem::remove(log);
  }
}
