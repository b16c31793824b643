// r1: the one command line of r1cpp. `r1 <command> [--config FILE] [--key value ...]`.
// Each command lives in apps/commands/<name>.cpp and registers itself in commands.h's table.
// Exit status: 0 done, 2 a usage error (an unknown option, a bad value: nothing was done), 1 any
// other error. Every error message goes to stderr and starts with "error:".
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands/commands.h"
#include "core/error.h"
#include "core/schema.h"
#include "dist/failure.h"
#include "dist/runtime_info.h"

namespace {

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: r1 <command> [options]\n\n"
               "r1cpp: DeepSeek-R1 as one native program. `r1 <command> --help` lists a command's options, every\n"
               "one with its default and allowed range; all commands take them the same way: --key value or\n"
               "--key=value, dotted keys for nested settings, --config FILE.json for a file of them.\n\n"
               "commands:\n");
  for (const auto& c : r1::cli::command_table()) std::fprintf(out, "  %-12s %s\n", c.name.c_str(), c.summary.c_str());
  std::fprintf(out, "\n  --help       this list\n  --version    r1's version, libtorch, the BLAS in use, the device\n");
}

// The first line of an exception's message: libtorch appends a backtrace to its own.
std::string first_line(const char* what) {
  std::string s = what;
  const size_t nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

}  // namespace

int main(int argc, char** argv) {
  const auto& table = r1::cli::command_table();
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(stdout);
    return 0;
  }
  if (name == "--version") {
    std::fputs(r1::dist::describe(r1::dist::runtime_info()).c_str(), stdout);
    return 0;
  }
  for (const auto& c : table) {
    if (c.name != name) continue;
    try {
      return c.run(argc - 1, argv + 1);
    } catch (const r1::UsageError& e) {
      // "[rank N] error: ..." under a launcher, and the other ranks of the job are told (dist/failure.h).
      r1::dist::report_fatal_error(e.what());
      return 2;
    } catch (const r1::Error& e) {
      r1::dist::report_fatal_error(e.what());
      return 1;
    } catch (const std::exception& e) {
      r1::dist::report_fatal_error(first_line(e.what()));
      return 1;
    }
  }
  std::vector<std::string> names;
  for (const auto& c : table) names.push_back(c.name);
  std::fprintf(stderr, "error: unknown command '%s'%s; `r1 --help` lists the commands\n", name.c_str(),
               r1::schema::suggest_key(name, names, /*as_option=*/false).c_str());
  return 2;
}
