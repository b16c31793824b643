// The command table of the `r1` CLI. Each apps/commands/<name>.cpp registers one command with a
// static `RegisterCommand`, so adding a command touches no other file. Every command reads its
// arguments with core/cli.h into its config struct, whose schema (core/schema.h) gives --help,
// validation and the JSON form. RegisterCommand does that parse, so a command is its spec and a
// body that starts from the parsed config:
//
//   int run(GenerateCommand& c) { ... }
//   r1::cli::RegisterCommand reg(kSpec, "sample completions of a prompt from a checkpoint", run);
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/cli.h"

namespace r1::cli {

struct Command {
  std::string name;
  std::string summary;
  std::function<int(int argc, char** argv)> run;  // argv[0] is the command name
};

std::vector<Command>& command_table();

// A config's defaults as its member initializers give them.
template <class Config>
Config member_defaults() {
  return Config{};
}

// The argv entry point of a command whose options are the fields of Config: parses argv into a Config
// that starts as `defaults()`, then returns `body(config)`; after --help, 0.
template <class Config>
std::function<int(int, char**)> parsed_command(CommandSpec spec, int (*body)(Config&),
                                               Config (*defaults)() = member_defaults<Config>) {
  return [spec = std::move(spec), body, defaults](int argc, char** argv) {
    Config config = defaults();
    if (!parse(spec, config, argc, argv)) return 0;
    return body(config);
  };
}

struct RegisterCommand {
  // A command that reads its own argv (`r1 launch`, which hands the rest to another command; a group
  // of subcommands).
  RegisterCommand(std::string name, std::string summary, std::function<int(int, char**)> run);
  // The usual command: `r1 <spec.name>` with the options of Config (see parsed_command).
  template <class Config>
  RegisterCommand(const CommandSpec& spec, std::string summary, int (*body)(Config&),
                  Config (*defaults)() = member_defaults<Config>)
      : RegisterCommand(spec.name, std::move(summary), parsed_command(spec, body, defaults)) {}
};

}  // namespace r1::cli
