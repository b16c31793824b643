// Configuration: a command's defaults (a JSON tree produced from its config struct), merged with an
// optional JSON file and `--a.b value` overrides. Every key must exist in the defaults and keep its
// type; mistakes are errors that name the key, never silent defaults.
#pragma once
#include <nlohmann/json.hpp>

#include "core/error.h"
#include <string>
#include <utility>
#include <vector>

namespace r1 {

using json = nlohmann::json;

// Merges `patch` into `base`, which holds every allowed key. `source` names where the patch came
// from ("config file runs/x.json", "command line") for error messages.
void merge_config(json& base, const json& patch, const std::string& source, const std::string& prefix = "");

// Applies one override: `dotted_key` like "rl.beta", `text` parsed as JSON when it parses and is
// not meant as a string, else taken as a string.
void apply_override(json& base, const std::string& dotted_key, const std::string& text);

// defaults <- file (if non-empty) <- overrides, in that order.
json resolve_config(json defaults, const std::string& config_file,
                    const std::vector<std::pair<std::string, std::string>>& overrides);

// Converts a resolved tree to a config struct; a type error names the key.
template <typename T>
T config_from_json(const json& j) {
  try {
    return j.get<T>();
  } catch (const json::exception& e) {
    throw Error("config", e.what());
  }
}

}  // namespace r1
