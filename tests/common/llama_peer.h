// llama.cpp as a test peer: npm's node-llama-cpp and its prebuilt CPU binaries, installed once per
// test binary run by scripts/llama_peer/install.sh into <build>/npm-llama. Tests that need it call
// LlamaPeer::get() and GTEST_SKIP() with `error` when the install failed (no npm registry) — the only
// reason they may skip.
#pragma once
#include <string>

#include "common/cli.h"

namespace r1::test {

class LlamaPeer {
 public:
  static const LlamaPeer& get() {
    static const LlamaPeer peer;
    return peer;
  }
  std::string modules;  // the npm prefix holding node_modules/
  std::string error;    // non-empty: the install failed, with npm's output

  // The folder of libggml-base.so, libggml-cpu-*.so, libllama.so.
  std::string binaries() const { return modules + "/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"; }
  // `node scripts/llama_peer/peer.mjs <command and args> --modules <modules>`.
  std::string script_command(const std::string& args) const {
    return "node " + std::string(R1_SOURCE_DIR) + "/scripts/llama_peer/peer.mjs " + args + " --modules " + modules;
  }

 private:
  LlamaPeer() {
    const std::string bin = R1_BINARY;
    modules = bin.substr(0, bin.rfind('/')) + "/npm-llama";
    const RunResult r = run_shell("bash " + std::string(R1_SOURCE_DIR) + "/scripts/llama_peer/install.sh " + modules);
    if (r.status != 0)
      error = "installing llama.cpp (npm node-llama-cpp) failed (exit " + std::to_string(r.status) + "):\n" + r.output;
  }
};

}  // namespace r1::test
