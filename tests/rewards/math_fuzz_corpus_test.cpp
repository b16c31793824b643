// Replays the verifier fuzz corpus (fuzz/corpus/verifier/: seeds and every input a fuzzing run
// found worth keeping) through the fuzz target's own checks, within a time bound per input.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

// The target itself: its checks abort on a violated property.
#include "../../fuzz/verifier_fuzz.cpp"

TEST(MathFuzzCorpus, EveryInputKeepsTheTargetsProperties) {
  const std::filesystem::path dir = std::filesystem::path(R1_SOURCE_DIR) / "fuzz" / "corpus" / "verifier";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 20u);
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto t0 = std::chrono::steady_clock::now();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(ms, 6000) << f.filename();  // one verify and two JSONL gradings, each bounded by 2 s
  }
}
