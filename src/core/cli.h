// The one option syntax of every `r1` command, over a command's config struct (core/schema.h):
//
//   r1 <command> [POSITIONAL ...] [--config FILE.json] [--key value | --key=value | --flag ...]
//
// Keys use underscores and dots for nested keys (--rl.top_p 0.9); a boolean takes --flag alone or
// --flag true|false; a list takes a JSON array or a comma-separated value, and a list option given
// twice appends; --config FILE reads the same keys from a JSON object, which the command line then
// overrides. A dashed spelling (--max-new-tokens) or an unknown key is a UsageError that suggests the
// nearest known key. Every value is validated against the schema before the command does any work.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "core/schema.h"

namespace r1::cli {

// How a command reads its arguments and presents itself in --help.
struct CommandSpec {
  std::string name;   // as typed after `r1`: "eval", "tokenizer train"
  std::string usage;  // what follows "usage: r1 <name> ", e.g. "--model DIR --bench NAMES [options]"
  std::string about;  // a paragraph: what the command does and writes
  // Keys that bare arguments fill, in order; a list key takes every remaining bare argument.
  std::vector<std::string> positional;
};

// One assignment as the command line gave it.
struct Assignment {
  std::string key;      // dotted
  std::string text;     // the value's text ("true" for a bare boolean flag)
  std::string spelled;  // how the user wrote it, for messages: "--rl.top_p 0"
  bool append = false;  // a list key seen before on this command line
};

struct Arguments {
  bool help = false;
  std::string config_file;
  std::vector<Assignment> assignments;
};

// Splits argv[1..] (argv[0] is the command's name) into --help, --config and assignments, checking
// every key against `keys`. UsageError on an unknown or dashed key, a missing value, a stray argument.
Arguments split_arguments(const CommandSpec& spec, const std::vector<schema::KeyInfo>& keys, int argc,
                          const char* const* argv);

// The whole --help text: the usage line, the paragraph, how options are written, every key.
std::string help_text(const CommandSpec& spec, const std::vector<schema::KeyInfo>& keys);

// The JSON object of a --config file (UsageError naming the file when it is missing or not JSON).
schema::json read_config_file(const std::string& path);

// Applies split arguments to `cfg`: the `config` object's keys first (when given), then each
// assignment in order, then validation. UsageError for anything wrong.
template <class T>
void apply_arguments(T& cfg, const Arguments& args, const schema::json* config, const std::string& config_source,
                     schema::Sources* sources) {
  if (config) schema::read_json(cfg, *config, config_source, sources);
  for (const auto& a : args.assignments)
    schema::set_key(cfg, a.key, a.text, "the command line: " + a.spelled, sources, a.append);
  schema::validate(cfg, sources);
}

// Parses a command line into `cfg`, which holds the command's defaults: --config first, then each
// option in order, then validation. Returns false after printing --help to `help_out` (nothing else
// done); throws UsageError for anything wrong. `sources` (optional) receives where each value came from.
template <class T>
bool parse(const CommandSpec& spec, T& cfg, int argc, const char* const* argv, schema::Sources* sources = nullptr,
           std::FILE* help_out = stdout) {
  const std::vector<schema::KeyInfo> keys = schema::key_infos(cfg);
  const Arguments args = split_arguments(spec, keys, argc, argv);
  if (args.help) {
    std::fputs(help_text(spec, keys).c_str(), help_out);
    return false;
  }
  schema::Sources local;
  const schema::json config = args.config_file.empty() ? schema::json() : read_config_file(args.config_file);
  apply_arguments(cfg, args, args.config_file.empty() ? nullptr : &config, "config file " + args.config_file,
                  sources ? sources : &local);
  return true;
}

}  // namespace r1::cli
