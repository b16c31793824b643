// Runs the bounded libFuzzer campaigns on the torch-free header parsers (scripts/fuzz_safetensors.sh
// and scripts/fuzz_gguf.sh: clang++ -fsanitize=fuzzer,address,undefined, 30 s each by default,
// R1_FUZZ_SECONDS to change) and requires that they find no crash, leak or sanitizer report.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

void run_campaign(const std::string& name) {
  ASSERT_EQ(std::system("command -v clang++ > /dev/null"), 0)
      << "clang++ not found: install clang and libclang-rt-14-dev (scripts/install-deps.sh)";
  const char* secs = std::getenv("R1_FUZZ_SECONDS");
  const std::string work =
      (std::filesystem::temp_directory_path() / ("r1_fuzz_" + name + "_" + std::to_string(::getpid()))).string();
  const std::string log = work + ".log";
  const std::string cmd = std::string(R1_SOURCE_DIR) + "/scripts/fuzz_" + name + ".sh " + work + " " +
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

}  // namespace

TEST(SafetensorsFuzz, HeaderParserSurvivesBoundedFuzzing) { run_campaign("safetensors"); }

TEST(GgufFuzz, HeaderParserSurvivesBoundedFuzzing) { run_campaign("gguf"); }
