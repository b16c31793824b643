// Helpers for tests that run the r1 binary end to end (R1_BINARY is set by tests/CMakeLists.txt).
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace r1::test {

struct RunResult {
  int status;          // exit code
  std::string output;  // stdout and stderr together
};

// Runs `r1 <args>` through the shell.
inline RunResult run_r1(const std::string& args) {
  std::string cmd = std::string(R1_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  return {WEXITSTATUS(status), out};
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace r1::test
