#include "commands/commands.h"

#include <cstdio>
#include <cstring>

#include "core/config.h"
#include "core/error.h"

namespace r1::cli {

std::vector<Command>& command_table() {
  static std::vector<Command> table;
  return table;
}

RegisterCommand::RegisterCommand(std::string name, std::string summary, std::function<int(int, char**)> run) {
  auto& t = command_table();
  Command c{std::move(name), std::move(summary), std::move(run)};
  auto pos = t.begin();
  while (pos != t.end() && pos->name < c.name) ++pos;
  t.insert(pos, std::move(c));
}

ConfigArgs parse_config_args(int argc, char** argv) {
  ConfigArgs a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      a.help = true;
      continue;
    }
    check(arg.rfind("--", 0) == 0 && arg.size() > 2, "argument '" + arg + "'",
          "expected --key value (see --help)");
    std::string key = arg.substr(2), value;
    size_t eq = key.find('=');
    if (eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else {
      check(i + 1 < argc, "argument '" + arg + "'", "is missing its value");
      value = argv[++i];
    }
    if (key == "config")
      a.config_file = value;
    else
      a.overrides.emplace_back(key, value);
  }
  return a;
}

namespace {
void print_tree(const nlohmann::json& j, const std::string& prefix) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it.value().is_object())
      print_tree(it.value(), key);
    else
      std::printf("  --%-36s %s\n", key.c_str(), it.value().dump().c_str());
  }
}
}  // namespace

nlohmann::json resolve_command_config(const std::string& command, const std::string& doc,
                                      const nlohmann::json& defaults, int argc, char** argv) {
  ConfigArgs args = parse_config_args(argc, argv);
  if (args.help) {
    std::printf("usage: r1 %s [--config FILE.json] [--key value ...]\n\n%s\n\noptions (defaults shown):\n",
                command.c_str(), doc.c_str());
    print_tree(defaults, "");
    return nullptr;
  }
  return resolve_config(defaults, args.config_file, args.overrides);
}

}  // namespace r1::cli
