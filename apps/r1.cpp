// r1: the one command line of r1cpp. `r1 <command> [--config FILE] [--key value ...]`.
// Each command lives in apps/commands/<name>.cpp and registers itself in commands.h's table.
#include <cstdio>
#include <cstring>
#include <string>

#include "commands/commands.h"
#include "core/error.h"
#include "dist/failure.h"
#include "dist/runtime_info.h"

int main(int argc, char** argv) {
  const auto& table = r1::cli::command_table();
  auto usage = [&](std::FILE* out) {
    std::fprintf(out, "usage: r1 <command> [options]   (r1 <command> --help for its options; r1 --version)\n\ncommands:\n");
    for (const auto& c : table) std::fprintf(out, "  %-12s %s\n", c.name.c_str(), c.summary.c_str());
  };
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::fputs(r1::dist::describe(r1::dist::runtime_info()).c_str(), stdout);
    return 0;
  }
  std::string name = argv[1];
  for (const auto& c : table) {
    if (c.name != name) continue;
    try {
      return c.run(argc - 1, argv + 1);
    } catch (const std::exception& e) {
      // "[rank N] error: ..." under a launcher, and the other ranks of the job are told (dist/failure.h).
      r1::dist::report_fatal_error(e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "error: unknown command '%s'\n", name.c_str());
  usage(stderr);
  return 2;
}
