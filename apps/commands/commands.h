// The command table of the `r1` CLI. Each apps/commands/<name>.cpp registers one command with a
// static `RegisterCommand`, so adding a command touches no other file.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
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

// Options of a config-driven command: `--config FILE`, then `--a.b value` / `--a.b=value` overrides.
struct ConfigArgs {
  std::string config_file;
  std::vector<std::pair<std::string, std::string>> overrides;
  bool help = false;
};
ConfigArgs parse_config_args(int argc, char** argv);

// Resolves defaults <- --config file <- overrides; prints help (the defaults, with `doc`) and
// returns nullopt-like empty json when --help was given.
nlohmann::json resolve_command_config(const std::string& command, const std::string& doc,
                                      const nlohmann::json& defaults, int argc, char** argv);

}  // namespace r1::cli
