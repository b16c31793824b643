// The config/CLI fuzz target (fuzz/config_fuzz.cpp) over its committed corpus, in the normal build:
// a bounded regression run of every input a fuzzing campaign kept (scripts/fuzz_config.sh adds to
// it). The target aborts on a property violation; an exception other than r1::Error escapes here.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

TEST(ConfigFuzzCorpus, EveryInputIsHandled) {
  const std::filesystem::path dir = std::filesystem::path(R1_SOURCE_DIR) / "fuzz/corpus/config";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  int inputs = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(e.path().filename().string());
    EXPECT_NO_THROW(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    ++inputs;
  }
  EXPECT_GE(inputs, 16);
}
