#include "core/config.h"

#include <algorithm>

#include "core/error.h"
#include "core/files.h"

namespace r1 {
namespace {

std::string type_name(const json& j) {
  if (j.is_boolean()) return "a boolean";
  if (j.is_number_integer()) return "an integer";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "a list";
  if (j.is_object()) return "an object";
  return "null";
}

// Converts `value` to the type of `like`, or throws naming `key`.
json coerce(const json& like, const json& value, const std::string& key, const std::string& source) {
  auto fail = [&]() -> json {
    throw Error("config key " + key,
                "expects " + type_name(like) + ", got " + value.dump() + " (from " + source + ")");
  };
  if (like.is_null()) return value;  // an optional field: any value
  if (like.is_boolean()) return value.is_boolean() ? value : fail();
  if (like.is_number_integer()) {
    if (value.is_number_integer()) return value;
    if (value.is_number_float() && value.get<double>() == static_cast<double>(value.get<long long>()))
      return value.get<long long>();
    return fail();
  }
  if (like.is_number()) return value.is_number() ? json(value.get<double>()) : fail();
  if (like.is_string()) return value.is_string() ? value : fail();
  if (like.is_array() && value.is_string()) {  // --tasks a,b: a comma-separated list of strings
    json list = json::array();
    const std::string text = value;
    for (size_t start = 0; start <= text.size();) {
      size_t comma = std::min(text.find(',', start), text.size());
      if (comma > start) list.push_back(text.substr(start, comma - start));
      start = comma + 1;
    }
    return list;
  }
  if (like.is_array()) return value.is_array() ? value : fail();
  return fail();
}

}  // namespace

void merge_config(json& base, const json& patch, const std::string& source, const std::string& prefix) {
  check(patch.is_object(), source, "expected a JSON object" + (prefix.empty() ? "" : " at " + prefix));
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (!base.contains(it.key())) {
      std::string known;
      for (auto b = base.begin(); b != base.end(); ++b) known += (known.empty() ? "" : ", ") + b.key();
      throw Error("config key " + key, "unknown key (from " + source + "); known keys here: " + known);
    }
    json& slot = base[it.key()];
    if (slot.is_object())
      merge_config(slot, it.value(), source, key);
    else
      slot = coerce(slot, it.value(), key, source);
  }
}

void apply_override(json& base, const std::string& dotted_key, const std::string& text) {
  // Find the slot's default to decide how to read the text: strings are taken verbatim.
  const json* slot = &base;
  size_t start = 0;
  std::vector<std::string> parts;
  while (true) {
    size_t dot = dotted_key.find('.', start);
    parts.push_back(dotted_key.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (const auto& p : parts) {
    if (!slot->is_object() || !slot->contains(p)) {
      slot = nullptr;
      break;
    }
    slot = &(*slot)[p];
  }
  json value;
  if (slot != nullptr && slot->is_string()) {
    value = text;
  } else {
    value = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) value = text;
  }
  json patch = value;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) patch = json{{*it, patch}};
  merge_config(base, patch, "command line --" + dotted_key);
}

json resolve_config(json defaults, const std::string& config_file,
                    const std::vector<std::pair<std::string, std::string>>& overrides) {
  if (!config_file.empty()) {
    json file = json::parse(read_file(config_file), nullptr, false);
    check(!file.is_discarded(), config_file, "is not valid JSON");
    merge_config(defaults, file, "config file " + config_file);
  }
  for (const auto& [key, text] : overrides) apply_override(defaults, key, text);
  return defaults;
}

}  // namespace r1
