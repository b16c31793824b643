// A fresh, empty scratch directory per test process (ctest runs tests of one suite concurrently,
// each in its own process): TMP/r1_<name>_<pid>.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>

namespace r1::test {

inline std::string fresh_temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("r1_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

}  // namespace r1::test
