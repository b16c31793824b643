// The command table of the `r1` CLI. Each apps/commands/<name>.cpp registers one command with a
// static `RegisterCommand`, so adding a command touches no other file. Every command reads its
// arguments with core/cli.h into its config struct, whose schema (core/schema.h) gives --help,
// validation and the JSON form.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace r1::cli {

struct Command {
  std::string name;
  std::string summary;
  std::function<int(int argc, char** argv)> run;  // argv[0] is the command name
};

std::vector<Command>& command_table();

struct RegisterCommand {
  RegisterCommand(std::string name, std::string summary, std::function<int(int, char**)> run);
};

}  // namespace r1::cli
