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

// Runs a shell command, stderr merged into stdout.
inline RunResult run_shell(const std::string& command) {
  std::string cmd = command + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, "popen failed: " + command};
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  return {WEXITSTATUS(status), out};
}

// Runs `r1 <args>` through the shell.
inline RunResult run_r1(const std::string& args) { return run_shell(std::string(R1_BINARY) + " " + args); }
// `r1 pretrain` of a one-layer, 32-wide base model into RUN_DIR (RUN_DIR/checkpoints/base): the
// tiny checkpoint the end-to-end tests evaluate and train.
// `extra`: more options, e.g. " --model.max_position_embeddings 2048".
inline RunResult pretrain_tiny(const std::filesystem::path& run_dir, int steps, int batch_size, int merges,
                               const std::string& extra = "") {
  return run_r1("pretrain --run_dir " + run_dir.string() + " --pretrain.steps " + std::to_string(steps) +
                " --pretrain.batch_size " + std::to_string(batch_size) +
                " --model.hidden_size 32 --model.intermediate_size 64 --model.num_hidden_layers 1"
                " --tokenizer.num_merges " + std::to_string(merges) + extra);
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace r1::test
