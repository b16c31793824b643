#include "core/cli.h"

#include <algorithm>
#include <cctype>

#include "core/files.h"

namespace r1::cli {
namespace {

const schema::KeyInfo* find_key(const std::vector<schema::KeyInfo>& keys, const std::string& key) {
  for (const auto& k : keys)
    if (k.key == key) return &k;
  return nullptr;
}

std::vector<std::string> names_of(const std::vector<schema::KeyInfo>& keys) {
  std::vector<std::string> names{"config", "help"};
  for (const auto& k : keys) names.push_back(k.key);
  return names;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

Arguments split_arguments(const CommandSpec& spec, const std::vector<schema::KeyInfo>& keys, int argc,
                          const char* const* argv) {
  Arguments out;
  for (int i = 1; i < argc; ++i)
    if (!std::string(argv[i]).compare("--help") || !std::string(argv[i]).compare("-h")) {
      out.help = true;
      return out;
    }
  const std::string see = "; `r1 " + spec.name + " --help` lists every option";
  std::vector<std::string> listed;  // list keys given so far: a repeat appends
  size_t next_positional = 0;
  bool only_positional = false;
  auto assign = [&](const schema::KeyInfo& k, std::string text, std::string spelled) {
    const bool append = k.kind == schema::Kind::kList &&
                        std::find(listed.begin(), listed.end(), k.key) != listed.end();
    if (k.kind == schema::Kind::kList) listed.push_back(k.key);
    out.assignments.push_back({k.key, std::move(text), std::move(spelled), append});
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (!only_positional && arg == "--") {
      only_positional = true;
      continue;
    }
    if (!only_positional && starts_with(arg, "--")) {
      std::string key = arg.substr(2), text;
      const size_t eq = key.find('=');
      const bool inline_value = eq != std::string::npos;
      if (inline_value) {
        text = key.substr(eq + 1);
        key = key.substr(0, eq);
      }
      auto take_value = [&]() {
        if (inline_value) return;
        if (i + 1 >= argc || starts_with(argv[i + 1], "--"))
          throw UsageError("--" + key, "is missing its value (--" + key + " VALUE or --" + key + "=VALUE)");
        text = argv[++i];
      };
      if (key == "config") {
        take_value();
        out.config_file = text;
        continue;
      }
      const schema::KeyInfo* k = find_key(keys, key);
      if (!k) throw UsageError("--" + key, "unknown option" + schema::suggest_key(key, names_of(keys)) + see);
      if (k->kind == schema::Kind::kBool && !inline_value) {
        // --flag alone means true; --flag true|false sets it. Another bare word after it is a
        // positional argument when the command takes one, else the flag's (wrong) value.
        const std::string next = i + 1 < argc ? argv[i + 1] : "--";
        const bool positional_left = next_positional < spec.positional.size();
        if (next == "true" || next == "false" || (!starts_with(next, "-") && !positional_left))
          text = argv[++i];
        else
          text = "true";
      } else {
        take_value();
      }
      assign(*k, text, inline_value ? arg : arg + " " + text);
      continue;
    }
    if (!only_positional && arg.size() > 1 && arg[0] == '-' && std::isalpha(static_cast<unsigned char>(arg[1])))
      throw UsageError("argument '" + arg + "'", "options are written with two dashes: --" + arg.substr(1) + see);
    if (next_positional >= spec.positional.size())
      throw UsageError("argument '" + arg + "'",
                       spec.positional.empty() ? "is unexpected: this command takes only --key value options" + see
                                               : "is one argument too many" + see);
    const std::string& key = spec.positional[next_positional];
    if (key == "config") {
      out.config_file = arg;
      ++next_positional;
      continue;
    }
    const schema::KeyInfo* k = find_key(keys, key);
    if (!k) throw Error("command " + spec.name, "positional key '" + key + "' is not in its schema");
    if (k->kind != schema::Kind::kList) ++next_positional;
    assign(*k, arg, "argument '" + arg + "' (" + key + ")");
  }
  return out;
}

std::string help_text(const CommandSpec& spec, const std::vector<schema::KeyInfo>& keys) {
  std::string s = "usage: r1 " + spec.name + " " + spec.usage + "\n\n" + spec.about + "\n\n";
  s +=
      "Options are --key value or --key=value, with dotted keys for nested settings (--rl.top_p 0.9); a\n"
      "boolean takes --key alone or --key true|false; a list takes a,b or a JSON array (given twice, it\n"
      "appends). --config FILE.json reads the same keys from a JSON object; the command line overrides it.\n\n"
      "options:\n"
      "  --config <file>                       a JSON object of the keys below\n"
      "  --help                                print this\n";
  return s + schema::options_help(keys);
}

schema::json read_config_file(const std::string& path) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const Error& e) {
    throw UsageError(path, std::string("cannot read the --config file: ") + e.what());
  }
  schema::json j = schema::json::parse(text, nullptr, false);
  if (j.is_discarded()) throw UsageError(path, "is not valid JSON (--config expects a JSON object of config keys)");
  return j;
}

}  // namespace r1::cli
