#include "commands/commands.h"

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

}  // namespace r1::cli
