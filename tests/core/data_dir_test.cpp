// Where r1 finds its data (core/data_dir.h): an explicit folder only, else $R1_DATA_DIR, the
// installed copy, the source tree; an error lists every folder looked in.
#include "core/data_dir.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/files.h"

namespace fs = std::filesystem;

namespace {

// The folder holds a byte-identical copy of the data the source tree ships (the source tree itself or
// an installed copy of it, whichever the search reaches first).
bool holds_shipped_copy(const std::string& dir, const std::string& file) {
  return r1::read_file(dir + "/" + file) == r1::read_file(std::string(R1_SOURCE_DATA_DIR) + "/" + file);
}

struct DataDirTest : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("r1_data_dir_test_" + std::to_string(::getpid()));
  void SetUp() override {
    fs::create_directories(dir);
    ::unsetenv("R1_DATA_DIR");
  }
  void TearDown() override {
    ::unsetenv("R1_DATA_DIR");
    fs::remove_all(dir);
  }
};

TEST_F(DataDirTest, TheShippedDataIsFoundWithNothingConfigured) {
  EXPECT_TRUE(holds_shipped_copy(r1::find_data_dir("math500_test.jsonl"), "math500_test.jsonl"));
  EXPECT_TRUE(holds_shipped_copy(r1::default_data_dir(), "gsm8k_test.jsonl"));
  // The build passes the source tree's data/ (R1_SOURCE_DATA_DIR): the last place looked in.
  auto c = r1::data_dir_candidates();
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c.back().origin, "source tree");
  EXPECT_EQ(fs::canonical(c.back().path), fs::canonical(R1_SOURCE_DATA_DIR));
}

TEST_F(DataDirTest, EnvironmentComesBeforeTheSourceTree) {
  std::ofstream(dir / "math500_test.jsonl") << "{}\n";
  ::setenv("R1_DATA_DIR", dir.c_str(), 1);
  EXPECT_EQ(r1::find_data_dir("math500_test.jsonl"), dir.string());
  // A file the environment's folder lacks is still found further down the list.
  EXPECT_TRUE(holds_shipped_copy(r1::find_data_dir("gsm8k_test.jsonl"), "gsm8k_test.jsonl"));
  auto c = r1::data_dir_candidates();
  ASSERT_GE(c.size(), 2u);
  EXPECT_EQ(c[0].origin, "$R1_DATA_DIR");
  EXPECT_EQ(c.back().origin, "source tree");
}

TEST_F(DataDirTest, AnExplicitFolderIsTheOnlyPlaceLookedIn) {
  EXPECT_THROW(
      {
        try {
          r1::find_data_dir("math500_test.jsonl", dir.string());
        } catch (const r1::Error& e) {
          EXPECT_NE(std::string(e.what()).find((dir / "math500_test.jsonl").string()), std::string::npos) << e.what();
          throw;
        }
      },
      r1::Error);
}

TEST_F(DataDirTest, AMissingFileListsEveryFolderLookedIn) {
  ::setenv("R1_DATA_DIR", dir.c_str(), 1);
  try {
    r1::find_data_dir("no_such_benchmark.jsonl");
    FAIL() << "expected an error";
  } catch (const r1::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("no_such_benchmark.jsonl"), std::string::npos) << msg;
    EXPECT_NE(msg.find(dir.string() + " ($R1_DATA_DIR)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(source tree)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(installed)"), std::string::npos) << msg;
  }
}

}  // namespace
